package xds

import (
	"errors"
	"fmt"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
)

type validatorAll interface{ ValidateAll() error }

// Validate checks every resource with its protoc-gen-validate rules, and also every message
// packed in an Any anywhere inside it (ValidateAll stops at Any fields), then checks that names
// are unique per type, that routes name existing clusters, and that the snapshot is consistent
// (every EDS cluster has its CLA, every RDS name its route config, and nothing extra). The
// mesh-wide part sidecars share is checked once per Inputs; resources must not be changed after
// Generate.
func Validate(r *Resources) error {
	var errs []error
	shared := map[any]bool{}
	if r.shared != nil {
		if err := r.shared.validate(); err != nil {
			errs = append(errs, err)
		}
		shared[r.shared.route] = true
		for i := range r.shared.clusters {
			shared[r.shared.clusters[i]] = true
			shared[r.shared.endpoints[i]] = true
		}
	}
	byType := r.ByType()
	for _, t := range []resourcev3.Type{resourcev3.ListenerType, resourcev3.RouteType, resourcev3.ClusterType, resourcev3.EndpointType, resourcev3.SecretType} {
		seen := map[string]bool{}
		for _, res := range byType[t] {
			name := cachev3.GetResourceName(res)
			where := fmt.Sprintf("%s %q", shortType(t), name)
			if seen[name] {
				errs = append(errs, fmt.Errorf("%s: duplicate name", where))
			}
			seen[name] = true
			if shared[res] {
				continue
			}
			if err := validateMessage(res, where, 0); err != nil {
				errs = append(errs, err)
			}
		}
	}
	errs = append(errs, validateListeners(r.Listeners)...)
	clusters := map[string]bool{}
	for _, c := range r.Clusters {
		clusters[c.Name] = true
	}
	for _, rc := range r.Routes {
		for _, vh := range rc.VirtualHosts {
			for i, rt := range vh.Routes {
				for _, c := range routeClusters(rt) {
					if !clusters[c] {
						errs = append(errs, fmt.Errorf("route %q: virtual host %q route %d: unknown cluster %q", rc.Name, vh.Name, i, c))
					}
				}
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	s, err := r.Snapshot("validate")
	if err != nil {
		return err
	}
	if err := s.Consistent(); err != nil {
		return fmt.Errorf("xds: snapshot not consistent: %w", err)
	}
	return nil
}

func shortType(t resourcev3.Type) string {
	switch t {
	case resourcev3.ListenerType:
		return "listener"
	case resourcev3.RouteType:
		return "route"
	case resourcev3.ClusterType:
		return "cluster"
	case resourcev3.EndpointType:
		return "endpoints"
	case resourcev3.SecretType:
		return "secret"
	}
	return t
}

func routeClusters(rt *routev3.Route) []string {
	a := rt.GetRoute()
	if a == nil {
		return nil
	}
	if c := a.GetCluster(); c != "" {
		return []string{c}
	}
	var out []string
	for _, w := range a.GetWeightedClusters().GetClusters() {
		out = append(out, w.GetName())
	}
	return out
}

// maxAnyDepth bounds the recursion through nested Any fields.
const maxAnyDepth = 8

// validateMessage runs ValidateAll on m and on every Any it contains, at any depth.
func validateMessage(m proto.Message, where string, depth int) error {
	var errs []error
	if v, ok := m.(validatorAll); ok {
		if err := v.ValidateAll(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
	}
	if depth >= maxAnyDepth {
		return errors.Join(append(errs, fmt.Errorf("%s: typed configs nested deeper than %d", where, maxAnyDepth))...)
	}
	walkAny(m.ProtoReflect(), func(path string, a *anypb.Any) {
		inner, err := a.UnmarshalNew()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s: %w", where, path, err))
			return
		}
		if err := validateMessage(inner, fmt.Sprintf("%s: %s (%s)", where, path, proto.MessageName(inner)), depth+1); err != nil {
			errs = append(errs, err)
		}
	})
	return errors.Join(errs...)
}

var anyName = (&anypb.Any{}).ProtoReflect().Descriptor().FullName()

// walkAny calls fn for every Any directly or indirectly inside m (not inside those Anys).
func walkAny(m protoreflect.Message, fn func(path string, a *anypb.Any)) {
	walk(m, string(m.Descriptor().Name()), fn)
}

func walk(m protoreflect.Message, path string, fn func(string, *anypb.Any)) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
			if !fd.IsMap() || fd.MapValue().Message() == nil {
				return true
			}
		}
		p := path + "." + string(fd.Name())
		visit := func(p string, mv protoreflect.Message) {
			if mv.Descriptor().FullName() == anyName {
				if a, ok := mv.Interface().(*anypb.Any); ok {
					fn(p, a)
					return
				}
				a := &anypb.Any{}
				proto.Merge(a, mv.Interface())
				fn(p, a)
				return
			}
			walk(mv, p, fn)
		}
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				visit(fmt.Sprintf("%s[%d]", p, i), l.Get(i).Message())
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				visit(fmt.Sprintf("%s[%s]", p, k.String()), mv.Message())
				return true
			})
		default:
			visit(p, v.Message())
		}
		return true
	})
}
