package store

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// memory keeps each resource in its canonical JSON form, so every Get decodes a fresh copy.
type memory struct {
	clock func() time.Time
	hub   *hub

	mu     sync.RWMutex
	data   map[resource.Kind]map[string][]byte // kind -> "mesh/name" -> resource JSON
	rev    uint64
	closed bool
}

// NewMemory returns an empty in-memory store that reads times from clock.
func NewMemory(clock func() time.Time) Store {
	return &memory{clock: clock, hub: newHub(), data: map[resource.Kind]map[string][]byte{}}
}

func storeKey(mesh, name string) string { return mesh + "/" + name }

func (m *memory) Put(ctx context.Context, r *resource.Resource, opts ...PutOption) (*resource.Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	if r == nil {
		return nil, errNilResource
	}
	byName := m.data[r.Kind]
	var old []byte
	if byName != nil {
		old = byName[storeKey(r.Mesh, r.Name)]
	}
	data, changed, err := prepare(old, r, m.clock(), opts)
	if err != nil {
		return nil, err
	}
	if changed {
		if byName == nil {
			byName = map[string][]byte{}
			m.data[r.Kind] = byName
		}
		byName[storeKey(r.Mesh, r.Name)] = data
		m.rev++
		m.hub.publish(committed{typ: Put, data: data, rev: m.rev})
	}
	return decode(data)
}

func (m *memory) Delete(ctx context.Context, key resource.Key) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	k := storeKey(key.Mesh, key.Name)
	old, ok := m.data[key.Kind][k]
	if !ok {
		return notFound(key)
	}
	delete(m.data[key.Kind], k)
	m.rev++
	m.hub.publish(committed{typ: Deleted, data: old, rev: m.rev})
	return nil
}

func (m *memory) Get(ctx context.Context, key resource.Key) (*resource.Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	data, ok := m.data[key.Kind][storeKey(key.Mesh, key.Name)]
	if !ok {
		return nil, notFound(key)
	}
	return decode(data)
}

func (m *memory) List(ctx context.Context, kind resource.Kind, mesh string) ([]*resource.Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, ErrClosed
	}
	out := []*resource.Resource{}
	for k, data := range m.data[kind] {
		if mesh != "" && !strings.HasPrefix(k, mesh+"/") {
			continue
		}
		r, err := decode(data)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	sortResources(out)
	return out, nil
}

func (m *memory) Subscribe(fn func(Event)) (cancel func()) { return m.hub.subscribe(fn) }

func (m *memory) Revision() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.rev
}

func (m *memory) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	m.hub.close()
	return nil
}

func sortResources(rs []*resource.Resource) {
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Mesh != rs[j].Mesh {
			return rs[i].Mesh < rs[j].Mesh
		}
		return rs[i].Name < rs[j].Name
	})
}
