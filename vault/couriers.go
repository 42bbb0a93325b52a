package vault

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ShipmentCouriers lists the courier names of the shipments dated since
// (all when zero), sorted, each once: what a manifest for a courier that
// matched nothing can suggest instead. Courier names are shop metadata,
// stored in the clear, never customer data.
func (v *Vault) ShipmentCouriers(since time.Time) ([]string, error) {
	seen := map[string]bool{}
	err := v.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bShipments).ForEach(func(k, data []byte) error {
			var s shipment
			if err := json.Unmarshal(data, &s); err != nil {
				return &IntegrityError{What: fmt.Sprintf("shipment %x does not decode", k)}
			}
			if s.Courier != "" && (since.IsZero() || !s.Date.Before(since)) {
				seen[s.Courier] = true
			}
			return nil
		})
	})
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out, err
}
