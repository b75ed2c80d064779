// Package store keeps resources: a memory store for tests and zones, and a durable file store
// (bbolt) for global that acknowledges a write only after it is on disk.
package store

import (
	"context"
	"errors"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// Errors a Store returns; callers test them with errors.Is.
var (
	ErrNotFound = errors.New("store: not found")
	ErrConflict = errors.New("store: version conflict")
	ErrClosed   = errors.New("store: closed")
)

// EventType says what happened to a resource.
type EventType int

const (
	Put EventType = iota + 1
	Deleted
)

func (t EventType) String() string {
	switch t {
	case Put:
		return "put"
	case Deleted:
		return "delete"
	}
	return "unknown"
}

// Event is one committed change. Resource is the new state (Put) or the last state (Deleted).
type Event struct {
	Type     EventType
	Resource *resource.Resource
	// Revision is the store-wide revision of this change; it increases by one per change.
	Revision uint64
}

// PutOption changes how Put treats the resource's Meta.
type PutOption func(*PutOptions)

// PutOptions are the options of one Put.
type PutOptions struct {
	// KeepMeta stores Version, Origin and times as given (a replica of another store, e.g. a
	// zone receiving a policy from global) instead of assigning them.
	KeepMeta bool
	// IfVersion, when not zero, makes the Put fail with ErrConflict unless the stored version
	// is this one.
	IfVersion uint64
}

// KeepMeta makes Put store the resource's Meta as given.
func KeepMeta() PutOption { return func(o *PutOptions) { o.KeepMeta = true } }

// IfVersion makes Put conditional on the stored version.
func IfVersion(v uint64) PutOption { return func(o *PutOptions) { o.IfVersion = v } }

// Store holds resources by kind, mesh and name. Implementations are safe for concurrent use.
type Store interface {
	// Put creates or replaces the resource. Unless KeepMeta, it sets Version to the stored
	// version plus one (1 on create), keeps CreationTime of an existing resource and sets
	// ModificationTime (and CreationTime on create) from the store's clock; Origin is kept as
	// given. It returns the stored copy. When Put returns nil the write is durable (file store).
	// An unchanged resource (same spec, labels and origin) is not written again and fires no
	// event; the stored copy is returned.
	Put(ctx context.Context, r *resource.Resource, opts ...PutOption) (*resource.Resource, error)
	// Delete removes a resource; ErrNotFound if there is none.
	Delete(ctx context.Context, key resource.Key) error
	// Get returns a copy of one resource; ErrNotFound if there is none.
	Get(ctx context.Context, key resource.Key) (*resource.Resource, error)
	// List returns copies of every resource of a kind, in one mesh or (mesh "") in all,
	// sorted by mesh then name.
	List(ctx context.Context, kind resource.Kind, mesh string) ([]*resource.Resource, error)
	// Subscribe calls fn for every change committed after it returns, in commit order, from
	// one goroutine per subscriber; fn must not call back into Subscribe. A slow subscriber
	// delays only itself. cancel stops delivery and waits for a running fn to return.
	Subscribe(fn func(Event)) (cancel func())
	// Revision is the revision of the last committed change.
	Revision() uint64
	// Close releases the store; later calls return ErrClosed.
	Close() error
}
