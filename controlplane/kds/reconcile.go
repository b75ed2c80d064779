package kds

import (
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// StaleDown returns what a zone must delete after a full resync of one down kind: every
// resource in local (the zone store's resources of that kind) that came from global and whose
// cache name is not in have (what global sent in the resync). The zone's own resources are
// never touched. This is what keeps a reconnecting zone free of zombies.
func StaleDown(local []*resource.Resource, zone string, have map[string]bool) []resource.Key {
	var out []resource.Key
	for _, r := range local {
		if IsLocal(r, zone) {
			continue
		}
		if !have[CacheName(r.Key())] {
			out = append(out, r.Key())
		}
	}
	return out
}

// StaleUp returns what global must delete when zone sends its full set of one kind: every
// resource at global (existing, all of that kind) that the zone owns and that is not in
// incoming (keys as global stores them).
func StaleUp(existing []*resource.Resource, zone string, incoming map[resource.Key]bool) []resource.Key {
	var out []resource.Key
	for _, r := range existing {
		if r.Origin != zone {
			continue
		}
		if !incoming[r.Key()] {
			out = append(out, r.Key())
		}
	}
	return out
}

// ToGlobal returns the copy of a zone's resource that global stores: named "<zone>.<name>",
// Origin the zone, with version and times left to global's store.
func ToGlobal(r *resource.Resource, zone string) *resource.Resource {
	c := r.Clone()
	c.Name = GlobalName(zone, r.Name)
	c.Origin = zone
	c.Version = 0
	c.CreationTime = time.Time{}
	c.ModificationTime = time.Time{}
	if ing, ok := c.Spec.(*resource.ZoneIngressSpec); ok && ing.Zone == "" {
		ing.Zone = zone
	}
	return c
}

// Batch coalesces store events by key: the last event of a key wins, keys keep the order in
// which they were first seen. A burst of writes to the same resource costs one update.
type Batch struct {
	order []resource.Key
	last  map[resource.Key]store.Event
}

// Add records an event.
func (b *Batch) Add(ev store.Event) {
	if b.last == nil {
		b.last = map[resource.Key]store.Event{}
	}
	k := ev.Resource.Key()
	if _, ok := b.last[k]; !ok {
		b.order = append(b.order, k)
	}
	b.last[k] = ev
}

// Len is the number of distinct keys waiting.
func (b *Batch) Len() int { return len(b.order) }

// Drain returns the coalesced events and empties the batch.
func (b *Batch) Drain() []store.Event {
	out := make([]store.Event, 0, len(b.order))
	for _, k := range b.order {
		out = append(out, b.last[k])
	}
	b.order, b.last = nil, nil
	return out
}
