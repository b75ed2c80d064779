package kds

import (
	"github.com/zonemesh/zonemesh/internal/defect"
	"maps"
	"sort"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// ZoneStatus is what global knows of one zone's KDS connection.
type ZoneStatus struct {
	Zone   string `json:"zone"`
	Online bool   `json:"online"`
	// ConnectedSince is when the current connection was authenticated (zero when offline).
	ConnectedSince time.Time `json:"connectedSince,omitzero"`
	// LastSeen is the last message (or heartbeat) received from the zone.
	LastSeen time.Time `json:"lastSeen,omitzero"`
	// Disconnects counts transitions from online to offline.
	Disconnects int `json:"disconnects"`
	// APIAddress is the zone control plane's API address the zone announced ("zone-api").
	APIAddress string `json:"apiAddress,omitempty"`
	// Down counts resources global has sent to the zone per kind (current set); Up counts
	// resources global holds from the zone per kind.
	Down      map[resource.Kind]int `json:"down,omitempty"`
	Up        map[resource.Kind]int `json:"up,omitempty"`
	LastError string                `json:"lastError,omitempty"`
}

// Tracker is the pure state of every zone's status. A zone is online while at least one of
// its streams is open: the zone client opens both directions on one connection and tears both
// down when either ends, so the count drops to zero when the connection is gone. Not safe for
// concurrent use; the driver holds a lock.
type Tracker struct {
	zones   map[string]*ZoneStatus
	streams map[string]int
}

func (t *Tracker) zone(z string) *ZoneStatus {
	if t.zones == nil {
		t.zones, t.streams = map[string]*ZoneStatus{}, map[string]int{}
	}
	s, ok := t.zones[z]
	if !ok {
		s = &ZoneStatus{Zone: z, Down: map[resource.Kind]int{}, Up: map[resource.Kind]int{}}
		t.zones[z] = s
	}
	return s
}

// Opened records an authenticated stream; it reports whether the zone came online.
func (t *Tracker) Opened(zone, api string, now time.Time) bool {
	s := t.zone(zone)
	t.streams[zone]++
	s.LastSeen = now
	if api != "" {
		s.APIAddress = api
	}
	if s.Online {
		return false
	}
	s.Online, s.ConnectedSince, s.LastError = true, now, ""
	return true
}

// Closed records the end of a stream (err is why, nil for a clean close); it reports whether
// the zone went offline.
func (t *Tracker) Closed(zone string, err error) bool {
	s := t.zone(zone)
	if err != nil {
		s.LastError = err.Error()
	}
	if t.streams[zone] > 0 {
		t.streams[zone]--
	}
	// Seeded defect for the conformance mutation run only (constant false in production builds).
	if t.streams[zone] > 0 || !s.Online || defect.Active(defect.ZoneNeverOffline) {
		return false
	}
	s.Online, s.ConnectedSince = false, time.Time{}
	s.Disconnects++
	return true
}

// Refused records a connection attempt that failed authentication or was refused.
func (t *Tracker) Refused(zone string, err error) {
	t.zone(zone).LastError = err.Error()
}

// Seen records a message from the zone.
func (t *Tracker) Seen(zone string, now time.Time) { t.zone(zone).LastSeen = now }

// SetDown and SetUp record the synced resource count of a kind.
func (t *Tracker) SetDown(zone string, k resource.Kind, n int) { t.zone(zone).Down[k] = n }

// SetUp records how many resources of kind k global holds from zone.
func (t *Tracker) SetUp(zone string, k resource.Kind, n int) { t.zone(zone).Up[k] = n }

// Get returns a copy of one zone's status.
func (t *Tracker) Get(zone string) (ZoneStatus, bool) {
	s, ok := t.zones[zone]
	if !ok {
		return ZoneStatus{}, false
	}
	return clone(s), true
}

// All returns copies of every zone's status, by zone name.
func (t *Tracker) All() []ZoneStatus {
	out := make([]ZoneStatus, 0, len(t.zones))
	for _, s := range t.zones {
		out = append(out, clone(s))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Zone < out[j].Zone })
	return out
}

func clone(s *ZoneStatus) ZoneStatus {
	c := *s
	c.Down, c.Up = maps.Clone(s.Down), maps.Clone(s.Up)
	return c
}
