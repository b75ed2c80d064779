package store

import (
	"bytes"
	"fmt"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// checkKey refuses resources whose identity cannot be stored; full validation is the
// caller's job (the API validates, replicas trust their source).
func checkKey(k resource.Key) error {
	info, ok := resource.Info(k.Kind)
	switch {
	case !ok:
		return fmt.Errorf("store: unknown kind %q", k.Kind)
	case k.Name == "":
		return fmt.Errorf("store: %s: name must not be empty", k)
	case info.Scoped && k.Mesh == "":
		return fmt.Errorf("store: %s: mesh must not be empty for %s", k, k.Kind)
	case !info.Scoped && k.Mesh != "":
		return fmt.Errorf("store: %s: mesh must be empty for %s", k, k.Kind)
	}
	return nil
}

// prepare computes what Put stores. old is the stored encoding (nil when absent). It returns
// the new encoding and whether anything changed; an unchanged resource returns old.
func prepare(old []byte, r *resource.Resource, now time.Time, opts []PutOption) (data []byte, changed bool, err error) {
	var o PutOptions
	for _, opt := range opts {
		opt(&o)
	}
	if r == nil || r.Spec == nil {
		return nil, false, fmt.Errorf("store: resource without spec")
	}
	if err := checkKey(r.Key()); err != nil {
		return nil, false, err
	}
	var prev *resource.Resource
	if old != nil {
		if prev, err = resource.UnmarshalJSON(old); err != nil {
			return nil, false, fmt.Errorf("store: decode stored %s: %w", r.Key(), err)
		}
	}
	if o.IfVersion != 0 && (prev == nil || prev.Version != o.IfVersion) {
		have := uint64(0)
		if prev != nil {
			have = prev.Version
		}
		return nil, false, fmt.Errorf("%w: %s is at version %d, not %d", ErrConflict, r.Key(), have, o.IfVersion)
	}
	// Work on a shallow copy so the caller's Meta is left alone; Spec is only read.
	c := *r
	if !o.KeepMeta {
		if prev != nil {
			c.Version, c.CreationTime, c.ModificationTime = prev.Version, prev.CreationTime, prev.ModificationTime
		} else {
			c.Version, c.CreationTime, c.ModificationTime = 0, time.Time{}, time.Time{}
		}
	}
	data, err = resource.MarshalJSON(&c)
	if err != nil {
		return nil, false, fmt.Errorf("store: encode %s: %w", r.Key(), err)
	}
	// With the stored meta carried over, equal bytes mean equal spec, labels and origin (and,
	// under KeepMeta, equal meta too).
	if old != nil && bytes.Equal(data, old) {
		return old, false, nil
	}
	if !o.KeepMeta {
		c.ModificationTime = now
		if prev == nil {
			c.Version, c.CreationTime = 1, now
		} else {
			c.Version = prev.Version + 1
		}
		if data, err = resource.MarshalJSON(&c); err != nil {
			return nil, false, fmt.Errorf("store: encode %s: %w", r.Key(), err)
		}
	}
	return data, true, nil
}

func decode(data []byte) (*resource.Resource, error) {
	r, err := resource.UnmarshalJSON(data)
	if err != nil {
		return nil, fmt.Errorf("store: decode stored resource: %w", err)
	}
	return r, nil
}
