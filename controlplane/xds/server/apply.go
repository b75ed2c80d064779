package server

import (
	"time"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// apply folds one store event into the copy and notes which proxies it concerns.
func (r *reconciler) apply(ev store.Event, a *affected) {
	key := ev.Resource.Key()
	old := r.state[key]
	var cur *resource.Resource
	if ev.Type == store.Put {
		cur = ev.Resource
		r.state[key] = cur
	} else {
		delete(r.state, key)
	}
	if ev.Revision > r.rev {
		r.rev = ev.Revision
	}
	info, _ := resource.Info(key.Kind)
	switch {
	case key.Kind == resource.KindMesh:
		a.meshes[key.Name] = true
		a.ingresses = true // a mesh turning mTLS on or off changes what the ingress routes
		r.installCA(key.Name)
	case key.Kind == resource.KindMeshCA:
		a.meshes[key.Mesh] = true
		r.installCA(key.Mesh)
	case key.Kind == resource.KindDataplane:
		for _, x := range []*resource.Resource{old, cur} {
			if x != nil && r.local(x) {
				a.meshes[key.Mesh] = true
				a.ingresses = true
				a.available = true
			}
		}
	case key.Kind == resource.KindZoneIngress:
		for _, x := range []*resource.Resource{old, cur} {
			if x == nil {
				continue
			}
			spec := x.Spec.(*resource.ZoneIngressSpec)
			if spec.Zone == r.s.cfg.Zone {
				a.ids[key.Name] = true
				a.available = true
				continue
			}
			for _, as := range spec.AvailableServices {
				a.meshes[as.Mesh] = true
			}
		}
	case info.Policy:
		for _, x := range []*resource.Resource{old, cur} {
			if x == nil {
				continue
			}
			dest, _ := resource.DestinationOf(x.Spec)
			switch key.Kind {
			case resource.KindTrafficPermission, resource.KindFaultInjection:
				// Enforced at the destination's inbound only.
				a.service(key.Mesh, dest.Service)
			default:
				// Shapes the outbound side of every caller in the mesh.
				a.meshes[key.Mesh] = true
			}
		}
	}
}

func (r *reconciler) local(x *resource.Resource) bool {
	return x.Origin == "" || x.Origin == r.s.cfg.Zone
}

// installCA hands a mesh's CA and certificate lifetime to the certificate cache.
func (r *reconciler) installCA(mesh string) {
	caRes := r.state[resource.Key{Kind: resource.KindMeshCA, Mesh: mesh, Name: mesh}]
	if caRes == nil {
		caRes = r.findCA(mesh)
	}
	if caRes == nil {
		r.s.certs.RemoveMesh(mesh)
		return
	}
	ttl := r.certTTL(mesh)
	spec := caRes.Spec.(*resource.MeshCASpec)
	if err := r.s.certs.SetMeshCA(mesh, []byte(spec.CertPEM), []byte(spec.KeyPEM), ttl); err != nil {
		r.s.logf("xds: MeshCA %s: %v", mesh, err)
	}
}

// findCA finds a mesh's MeshCA whatever its name (global names it after the mesh).
func (r *reconciler) findCA(mesh string) *resource.Resource {
	for k, x := range r.state {
		if k.Kind == resource.KindMeshCA && k.Mesh == mesh {
			return x
		}
	}
	return nil
}

func (r *reconciler) certTTL(mesh string) time.Duration {
	if m := r.state[resource.Key{Kind: resource.KindMesh, Name: mesh}]; m != nil {
		return m.Spec.(*resource.MeshSpec).MTLS.CertTTL.Duration
	}
	return 0
}
