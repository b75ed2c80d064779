package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// metaBucket holds the store-wide revision; its name cannot clash with a kind (kinds start
// with an upper-case letter).
var (
	metaBucket  = []byte("_meta")
	revisionKey = []byte("revision")
)

// boltStore is the durable store: one bucket per kind, keys "mesh/name", values the
// resource's canonical JSON. Every write is one bbolt transaction, committed with fsync before
// Put or Delete returns.
type boltStore struct {
	clock func() time.Time
	hub   *hub
	db    *bolt.DB

	// mu serialises writers around commit and publish, so subscribers see commit order.
	// Readers do not take it, so they never wait for a writer's fsync.
	mu     sync.Mutex
	rev    atomic.Uint64 // written under mu
	closed atomic.Bool   // set under mu

}

// OpenBolt opens (or creates) the bbolt file at path. A file held open by another process
// makes it fail after a few seconds instead of waiting forever.
func OpenBolt(path string, clock func() time.Time) (Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if db.NoSync {
		// Never acknowledge a write that is not on disk.
		db.NoSync = false
	}
	s := &boltStore{clock: clock, hub: newHub(), db: db}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		if v := b.Get(revisionKey); v != nil {
			if len(v) != 8 {
				return fmt.Errorf("revision is %d bytes, want 8", len(v))
			}
			s.rev.Store(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return s, nil
}

func putRevision(tx *bolt.Tx, rev uint64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], rev)
	return tx.Bucket(metaBucket).Put(revisionKey, v[:])
}

func (s *boltStore) Put(ctx context.Context, r *resource.Resource, opts ...PutOption) (*resource.Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r == nil {
		return nil, errNilResource
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil, ErrClosed
	}
	now := s.clock()
	var data []byte
	var changed bool
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := checkKey(r.Key()); err != nil {
			return err
		}
		b, err := tx.CreateBucketIfNotExists([]byte(r.Kind))
		if err != nil {
			return err
		}
		k := []byte(storeKey(r.Mesh, r.Name))
		var old []byte
		if v := b.Get(k); v != nil {
			old = bytes.Clone(v) // bbolt's slices die with the transaction
		}
		data, changed, err = prepare(old, r, now, opts)
		if err != nil || !changed {
			return err
		}
		if err := b.Put(k, data); err != nil {
			return err
		}
		return putRevision(tx, s.rev.Load()+1)
	})
	if err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, err
		}
		return nil, fmt.Errorf("store: put %s: %w", r.Key(), err)
	}
	if changed {
		s.hub.publish(committed{typ: Put, data: data, rev: s.rev.Add(1)})
	}
	return decode(data)
}

func (s *boltStore) Delete(ctx context.Context, key resource.Key) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return ErrClosed
	}
	var old []byte
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(key.Kind))
		if b == nil {
			return notFound(key)
		}
		k := []byte(storeKey(key.Mesh, key.Name))
		v := b.Get(k)
		if v == nil {
			return notFound(key)
		}
		old = bytes.Clone(v)
		if err := b.Delete(k); err != nil {
			return err
		}
		return putRevision(tx, s.rev.Load()+1)
	})
	if errors.Is(err, ErrNotFound) {
		return err
	}
	if err != nil {
		return fmt.Errorf("store: delete %s: %w", key, err)
	}
	s.hub.publish(committed{typ: Deleted, data: old, rev: s.rev.Add(1)})
	return nil
}

func (s *boltStore) Get(ctx context.Context, key resource.Key) (*resource.Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var data []byte
	err := s.view(func(tx *bolt.Tx) error {
		if b := tx.Bucket([]byte(key.Kind)); b != nil {
			if v := b.Get([]byte(storeKey(key.Mesh, key.Name))); v != nil {
				data = bytes.Clone(v)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if data == nil {
		return nil, notFound(key)
	}
	return decode(data)
}

func (s *boltStore) List(ctx context.Context, kind resource.Kind, mesh string) ([]*resource.Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := []*resource.Resource{}
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(kind))
		if b == nil {
			return nil
		}
		var prefix []byte
		if mesh != "" {
			prefix = []byte(mesh + "/")
		}
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			r, err := decode(v) // decode copies, so v may die with the transaction
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// "/"-joined keys do not sort by mesh then name ("a-b/x" < "a/x"), so sort here.
	sortResources(out)
	return out, nil
}

// view runs fn in a read transaction, or returns ErrClosed after Close.
func (s *boltStore) view(fn func(*bolt.Tx) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	err := s.db.View(fn)
	if errors.Is(err, bolt.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

func (s *boltStore) Subscribe(fn func(Event)) (cancel func()) { return s.hub.subscribe(fn) }

func (s *boltStore) Revision() uint64 { return s.rev.Load() }

func (s *boltStore) Close() error {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return nil
	}
	s.closed.Store(true)
	s.mu.Unlock()
	s.hub.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

func (s *boltStore) PutAll(ctx context.Context, rs []*resource.Resource, opts ...PutOption) ([]*resource.Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Load() {
		return nil, ErrClosed
	}
	now := s.clock()
	var st []staged
	err := s.db.Update(func(tx *bolt.Tx) error {
		rev := s.rev.Load()
		var err error
		// Reads inside the transaction see its own earlier writes, so no overlay is needed.
		st, err = stage(rs, func(r *resource.Resource) ([]byte, bool, error) {
			if err := checkKey(r.Key()); err != nil {
				return nil, false, err
			}
			b, err := tx.CreateBucketIfNotExists([]byte(r.Kind))
			if err != nil {
				return nil, false, err
			}
			k := []byte(storeKey(r.Mesh, r.Name))
			var old []byte
			if v := b.Get(k); v != nil {
				old = bytes.Clone(v)
			}
			data, changed, err := prepare(old, r, now, opts)
			if err != nil || !changed {
				return data, changed, err
			}
			rev++
			return data, true, b.Put(k, data)
		})
		if err != nil {
			return err
		}
		return putRevision(tx, rev)
	})
	if err != nil {
		if errors.Is(err, ErrConflict) {
			return nil, err
		}
		return nil, fmt.Errorf("store: put all: %w", err)
	}
	out := make([]*resource.Resource, 0, len(st))
	for _, w := range st {
		if w.changed {
			s.hub.publish(committed{typ: Put, data: w.data, rev: s.rev.Add(1)})
		}
		r, err := decode(w.data)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
