package ads

import (
	"context"
	"sync"
	"time"

	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/protobuf/types/known/anypb"
)

// Types are the type URLs the client subscribes to, in subscription order.
var Types = []string{resourcev3.ClusterType, resourcev3.ListenerType, resourcev3.EndpointType,
	resourcev3.RouteType, resourcev3.SecretType}

// TypeStatus is what the client knows about one resource type. The harness times propagation
// from Received and Applied.
type TypeStatus struct {
	TypeURL  string    `json:"typeUrl"`
	Version  string    `json:"version"`            // last applied (ACKed) version
	Received time.Time `json:"received,omitzero"`  // when the last response of this type arrived
	Applied  time.Time `json:"applied,omitzero"`   // when the last accepted response was swapped in
	Nack     string    `json:"lastNack,omitempty"` // error_detail of the last NACK
	NackTime time.Time `json:"lastNackTime,omitzero"`
	NackVer  string    `json:"lastNackVersion,omitempty"`
}

// state is the client's bookkeeping, shared with readers (admin) under a mutex; the request path
// never touches it.
type state struct {
	mu        sync.Mutex
	status    map[string]*TypeStatus
	resources map[string][]*anypb.Any // last accepted resources per type, for the config dump
	connected bool
	changed   chan struct{} // closed and replaced on every status change
}

func newState() *state {
	s := &state{status: map[string]*TypeStatus{}, resources: map[string][]*anypb.Any{}, changed: make(chan struct{})}
	for _, t := range Types {
		s.status[t] = &TypeStatus{TypeURL: t}
	}
	return s
}

// Status returns a copy of every type's status in subscription order.
func (c *Client) Status() []TypeStatus {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	out := make([]TypeStatus, 0, len(Types))
	for _, t := range Types {
		out = append(out, *c.st.status[t])
	}
	return out
}

// Resources returns the last accepted resources of a type.
func (c *Client) Resources(typeURL string) []*anypb.Any {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	return c.st.resources[typeURL]
}

// Synced reports whether every type has been applied at least once.
func (c *Client) Synced() bool {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	for _, t := range Types {
		if c.st.status[t].Applied.IsZero() {
			return false
		}
	}
	return true
}

// Connected reports whether a stream is currently open.
func (c *Client) Connected() bool {
	c.st.mu.Lock()
	defer c.st.mu.Unlock()
	return c.st.connected
}

// notifyLocked wakes waiters; call with mu held.
func (s *state) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// Wait blocks until cond holds for the current statuses (in subscription order) or ctx ends.
func (c *Client) Wait(ctx context.Context, cond func([]TypeStatus) bool) error {
	for {
		c.st.mu.Lock()
		ch := c.st.changed
		c.st.mu.Unlock()
		if cond(c.Status()) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// WaitApplied blocks until every type has been applied once and, for each type URL in want,
// the applied version equals the wanted one.
func (c *Client) WaitApplied(ctx context.Context, want map[string]string) error {
	return c.Wait(ctx, func(st []TypeStatus) bool {
		for _, s := range st {
			if s.Applied.IsZero() {
				return false
			}
			if v, ok := want[s.TypeURL]; ok && s.Version != v {
				return false
			}
		}
		return true
	})
}
