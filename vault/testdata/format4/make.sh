set -e
export HOME=$FX/home XDG_CONFIG_HOME=$FX/home/.config XDG_DATA_HOME=$FX/home/.local/share XDG_STATE_HOME=$FX/home/.local/state
SV=shopvault-d0afa4e
V=$XDG_DATA_HOME/shopvault/vault.db
$SV init --identity-out $FX/owner.txt
O="--identity $FX/owner.txt"
a() { $SV $O add "$@" --json | sed -n 's/.*"alias": "\(.*\)".*/\1/p'; }
OLD1=$(a --name 'Old Customer' --phone '+234 803 123 4567' --city Lagos --country NG --created 2019-01-01)
OLD2=$(a --name 'Held Customer' --phone '+234 803 123 4568' --city Abuja --country NG --created 2019-01-01)
NEW=$(a --name 'Wanjiru Kamau' --phone '+254 712 345 678' --line1 '12 Moi Avenue' --city Nairobi --country KE)
echo "$OLD1 $OLD2 $NEW" > aliases.txt
$SV $O hold $OLD2 --until 2026-11-24 --reason 'open dispute'
$SV keygen -o $FX/shipping.txt > ship.pub
$SV $O recipients add "$(cat ship.pub)" --role shipping --name shipping-desk
$SV --identity $FX/shipping.txt ship $NEW --courier dhl --ref ORD-1
$SV $O rules init
$SV purge --apply
cp $V $FX/v.db
cp $XDG_CONFIG_HOME/shopvault/purge-*.key $XDG_CONFIG_HOME/shopvault/retention.toml $FX/
