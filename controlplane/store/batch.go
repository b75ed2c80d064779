package store

import (
	"context"
	"fmt"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// Batcher is implemented by stores that can commit several Puts at once: all are stored or
// none, in one transaction (one fsync for the file store). Both stores of this package do.
type Batcher interface {
	// PutAll is Put for every resource in order, as one commit. The options apply to each.
	// Events fire in the order given, for changed resources only.
	PutAll(ctx context.Context, rs []*resource.Resource, opts ...PutOption) ([]*resource.Resource, error)
}

// PutAll stores rs in one commit when s is a Batcher, else one Put after another (then an
// error may leave the earlier ones stored).
func PutAll(ctx context.Context, s Store, rs []*resource.Resource, opts ...PutOption) ([]*resource.Resource, error) {
	if b, ok := s.(Batcher); ok {
		return b.PutAll(ctx, rs, opts...)
	}
	out := make([]*resource.Resource, 0, len(rs))
	for _, r := range rs {
		stored, err := s.Put(ctx, r, opts...)
		if err != nil {
			return out, err
		}
		out = append(out, stored)
	}
	return out, nil
}

// staged is one prepared write of a batch.
type staged struct {
	kind    resource.Kind
	key     string
	data    []byte
	changed bool
}

// stage prepares every write of a batch with prepareOne, which must see the batch's earlier
// writes when it reads the stored state.
func stage(rs []*resource.Resource, prepareOne func(r *resource.Resource) ([]byte, bool, error)) ([]staged, error) {
	out := make([]staged, 0, len(rs))
	for i, r := range rs {
		if r == nil {
			return nil, fmt.Errorf("resource %d: %w", i, errNilResource)
		}
		data, changed, err := prepareOne(r)
		if err != nil {
			return nil, fmt.Errorf("resource %d (%s): %w", i, r.Key(), err)
		}
		out = append(out, staged{kind: r.Kind, key: storeKey(r.Mesh, r.Name), data: data, changed: changed})
	}
	return out, nil
}

func (m *memory) PutAll(ctx context.Context, rs []*resource.Resource, opts ...PutOption) ([]*resource.Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, ErrClosed
	}
	now := m.clock()
	overlay := map[resource.Key][]byte{} // earlier writes of this batch
	st, err := stage(rs, func(r *resource.Resource) ([]byte, bool, error) {
		old, ok := overlay[r.Key()]
		if !ok {
			old = m.data[r.Kind][storeKey(r.Mesh, r.Name)]
		}
		data, changed, err := prepare(old, r, now, opts)
		if err == nil {
			overlay[r.Key()] = data
		}
		return data, changed, err
	})
	if err != nil {
		return nil, err
	}
	out := make([]*resource.Resource, 0, len(st))
	for _, w := range st {
		if w.changed {
			if m.data[w.kind] == nil {
				m.data[w.kind] = map[string][]byte{}
			}
			m.data[w.kind][w.key] = w.data
			m.rev++
			m.hub.publish(committed{typ: Put, data: w.data, rev: m.rev})
		}
		r, err := decode(w.data)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
