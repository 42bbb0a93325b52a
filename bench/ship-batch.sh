#!/bin/sh
# ship-batch.sh OLD NEW [RUNS]: times `ship - --courier gig` of a 200-line
# batch with two shopvault binaries, on a fresh vault (500 customers, no
# shipment) and on one with 2,000 earlier shipments, interleaved, RUNS
# times each (default 5). Each run starts from a copy of the prepared
# vault and state folders, so every run does the same work. Scratch files
# go to a temporary folder (HOME and XDG_* point there): no key or vault of
# yours is touched. Customers are synthetic (../shared/tools/gen_customers.py).
set -eu
old=$(realpath "$1"); new=$(realpath "$2"); runs=${3:-5}
gen=$(dirname "$0")/../../shared/tools/gen_customers.py
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
python3 "$gen" 500 1 > "$w/customers.csv"

at() { # at DIR: run the rest with DIR as home
	d=$1; shift
	HOME=$d XDG_CONFIG_HOME=$d/config XDG_STATE_HOME=$d/state XDG_DATA_HOME=$d/data "$@"
}
prep() { # prep DIR EARLIER
	mkdir -p "$1"
	at "$1" "$old" init > /dev/null 2>&1
	at "$1" "$old" import "$w/customers.csv" > /dev/null 2>&1
	at "$1" "$old" list --json | sed -n 's/.*"alias": "\(.*\)".*/\1/p' | head -200 > "$1/aliases"
	awk '{print $1 "\tBATCH-" NR}' "$1/aliases" > "$1/batch.txt"
	i=0
	while [ "$i" -lt "$2" ]; do
		awk -v r="$i" '{print $1 "\tOLD-" r "-" NR}' "$1/aliases" | at "$1" "$old" ship - --courier gig > /dev/null 2>&1
		i=$((i + 200))
	done
}
prep "$w/fresh" 0
prep "$w/earlier2000" 2000
echo "vault binary seconds(wall) user+sys"
n=0
while [ "$n" -lt "$runs" ]; do
	for p in fresh earlier2000; do
		for b in old new; do
			eval bin=\$$b
			rm -rf "$w/run"; cp -a "$w/$p" "$w/run"
			s=$(date +%s.%N)
			at "$w/run" /usr/bin/time -f "%U+%S" -o "$w/time" "$bin" ship - --courier gig < "$w/run/batch.txt" > "$w/run/out" 2> "$w/run/err" || { cat "$w/run/err"; exit 1; }
			e=$(date +%s.%N)
			[ "$(grep -c '^shipped ' "$w/run/out")" = 200 ] || { echo "$b did not record 200 shipments"; exit 1; }
			echo "$p $b $(echo "$e - $s" | bc) $(cat "$w/time")"
		done
	done
	n=$((n + 1))
done
