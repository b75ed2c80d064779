package kube

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/zonemesh/zonemesh/controlplane/kube/crds"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// Labels every custom resource carries, so that kubectl can select by mesh and origin.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	managedBy      = "zonemesh"
)

// toObject wraps r's canonical JSON as the spec of a custom resource.
func toObject(r *resource.Resource) (*unstructured.Unstructured, error) {
	data, err := resource.MarshalJSON(r)
	if err != nil {
		return nil, fmt.Errorf("kube: encode %s: %w", r.Key(), err)
	}
	var spec map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep large integers exact
	if err := dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("kube: encode %s: %w", r.Key(), err)
	}
	spec = normalize(spec).(map[string]any)
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": crds.Group + "/" + crds.Version,
		"kind":       string(r.Kind),
		"metadata": map[string]any{
			"name":   ObjectName(r.Key()),
			"labels": map[string]any{LabelManagedBy: managedBy},
		},
		"spec": spec,
	}}
	return u, nil
}

// normalize turns json.Numbers into int64 or float64, the only numbers unstructured
// objects may hold.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	}
	return v
}

// fromObject decodes the resource held in a custom resource's spec.
func fromObject(u *unstructured.Unstructured) (*resource.Resource, error) {
	spec, ok := u.Object["spec"]
	if !ok {
		return nil, fmt.Errorf("kube: %s %s has no spec", u.GetKind(), u.GetName())
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("kube: %s %s: %w", u.GetKind(), u.GetName(), err)
	}
	r, err := resource.UnmarshalJSON(data)
	if err != nil {
		return nil, fmt.Errorf("kube: %s %s: spec: %w", u.GetKind(), u.GetName(), err)
	}
	if string(r.Kind) != u.GetKind() {
		return nil, fmt.Errorf("kube: %s %s: spec.kind is %q", u.GetKind(), u.GetName(), r.Kind)
	}
	return r, nil
}

// checkKey refuses identities that cannot be stored (the same rules as the memory store).
func checkKey(k resource.Key) error {
	info, ok := resource.Info(k.Kind)
	switch {
	case !ok:
		return fmt.Errorf("kube store: unknown kind %q", k.Kind)
	case k.Name == "":
		return fmt.Errorf("kube store: %s: name must not be empty", k)
	case info.Scoped && k.Mesh == "":
		return fmt.Errorf("kube store: %s: mesh must not be empty for %s", k, k.Kind)
	case !info.Scoped && k.Mesh != "":
		return fmt.Errorf("kube store: %s: mesh must be empty for %s", k, k.Kind)
	}
	return nil
}

// prepare computes what a Put stores given the stored copy prev (nil when absent):
// the store contract's meta rules. changed is false for an unchanged resource.
func prepare(prev, r *resource.Resource, now time.Time, o store.PutOptions) (next *resource.Resource, changed bool, err error) {
	if r == nil || r.Spec == nil {
		return nil, false, fmt.Errorf("kube store: resource without spec")
	}
	if err := checkKey(r.Key()); err != nil {
		return nil, false, err
	}
	if o.IfVersion != 0 && (prev == nil || prev.Version != o.IfVersion) {
		have := uint64(0)
		if prev != nil {
			have = prev.Version
		}
		return nil, false, fmt.Errorf("%w: %s is at version %d, not %d", store.ErrConflict, r.Key(), have, o.IfVersion)
	}
	c := r.Clone()
	if !o.KeepMeta {
		c.Version, c.CreationTime, c.ModificationTime = 0, time.Time{}, time.Time{}
		if prev != nil {
			c.Version, c.CreationTime, c.ModificationTime = prev.Version, prev.CreationTime, prev.ModificationTime
		}
	}
	if prev != nil {
		a, err1 := resource.MarshalJSON(c)
		b, err2 := resource.MarshalJSON(prev)
		if err1 == nil && err2 == nil && bytes.Equal(a, b) {
			return prev, false, nil
		}
	}
	if !o.KeepMeta {
		c.ModificationTime = now
		if prev == nil {
			c.Version, c.CreationTime = 1, now
		} else {
			c.Version = prev.Version + 1
		}
	}
	return c, true, nil
}
