package run

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/harness/backend"
	"github.com/zonemesh/zonemesh/harness/backend/process"
	"github.com/zonemesh/zonemesh/harness/topology"
)

// tokenTTL outlives any run.
const tokenTTL = 24 * time.Hour

// globalTLSName is a name in global's KDS certificate; zones dial it through links whose
// addresses are not.
const globalTLSName = "global"

// bringUp starts global, the links, the zones, their ingresses, instances and fake proxies,
// then applies the mesh and the scenario's policies.
func (r *Runner) bringUp(ctx context.Context) error {
	t0 := time.Now()
	g, err := r.be.StartGlobal(ctx, r.plan.Global)
	if err != nil {
		return fmt.Errorf("start global: %w", err)
	}
	r.global = g
	r.client = &api.Client{BaseURL: g.APIURL, Token: g.AdminToken}
	r.progress("global up at %s", g.APIURL)
	mesh := &resource.Resource{Kind: resource.KindMesh, Meta: resource.Meta{Name: r.plan.Mesh},
		Spec: &resource.MeshSpec{MTLS: resource.MTLS{Enabled: r.plan.MTLS}}}
	if _, err := r.client.Put(ctx, mesh); err != nil {
		return fmt.Errorf("create mesh %s: %w", r.plan.Mesh, err)
	}
	if err := r.addLinks(); err != nil {
		return err
	}
	signer, err := auth.LoadSigner(g.ZoneTokenKeyFile, time.Now)
	if err != nil {
		return fmt.Errorf("zone token key: %w", err)
	}
	eg, ectx := errgroup.WithContext(ctx)
	states := make([]*zoneState, len(r.plan.Zones))
	for i, z := range r.plan.Zones {
		tok, err := signer.IssueZoneToken(z.Name, tokenTTL)
		if err != nil {
			return err
		}
		eg.Go(func() error {
			st, err := r.startZone(ectx, z, tok)
			states[i] = st
			return err
		})
	}
	err = eg.Wait()
	for _, st := range states {
		if st != nil {
			r.zones[st.plan.Name] = st
		}
	}
	if err != nil {
		return err
	}
	for _, p := range r.sc.Policies {
		b, err := p.YAML()
		if err != nil {
			return fmt.Errorf("policy %s: %w", p.Name, err)
		}
		if _, err := r.client.Apply(ctx, b); err != nil {
			return fmt.Errorf("apply policy %s (%s line %d): %w", p.Name, r.sc.File, p.Line, err)
		}
	}
	r.progress("topology up in %v: %d zones, %d instances", time.Since(t0).Round(time.Millisecond), len(r.zones), r.instanceCount())
	return nil
}

func (r *Runner) instanceCount() int {
	n := 0
	for _, z := range r.zones {
		n += len(z.instances)
	}
	return n
}

// addLinks creates a fault link for every zone→global connection and, per ingress replica,
// for every ordered zone pair: a fault on "zone-a→zone-b" hits exactly what zone-a sends to
// zone-b (and its answers).
func (r *Runner) addLinks() error {
	linkIP := netip.AddrFrom4([4]byte{127, r.addr.Block, 0, 2}).String()
	for _, z := range r.plan.Zones {
		name := z.Name + "→global"
		if _, err := r.links.AddLink(name, net.JoinHostPort(linkIP, "0"), r.global.KDSAddr); err != nil {
			return fmt.Errorf("link %s: %w", name, err)
		}
		r.linkGroups[name] = []string{name}
		for _, y := range r.plan.Zones {
			if y == z {
				continue
			}
			group := z.Name + "→" + y.Name
			for j, ing := range y.Ingress {
				name := fmt.Sprintf("%s#%d", group, j)
				up := net.JoinHostPort(ing.IP.String(), strconv.Itoa(process.IngressPort))
				if _, err := r.links.AddLink(name, net.JoinHostPort(linkIP, "0"), up); err != nil {
					return fmt.Errorf("link %s: %w", name, err)
				}
				r.linkGroups[group] = append(r.linkGroups[group], name)
			}
		}
	}
	return nil
}

// startZone starts one zone's control plane, ingresses, instances and fake proxies.
func (r *Runner) startZone(ctx context.Context, z *topology.Zone, token string) (*zoneState, error) {
	gaddr, _ := r.links.Addr(z.Name + "→global")
	ingress := map[string]string{}
	for _, y := range r.plan.Zones {
		for j, ing := range y.Ingress {
			if y == z {
				continue
			}
			la, _ := r.links.Addr(fmt.Sprintf("%s→%s#%d", z.Name, y.Name, j))
			ingress[net.JoinHostPort(ing.IP.String(), strconv.Itoa(process.IngressPort))] = la
		}
	}
	info, err := r.be.StartZone(ctx, z.CP, backend.ZoneSpec{GlobalAddr: gaddr, GlobalServerName: globalTLSName,
		GlobalCAFile: r.global.CAFile, ZoneToken: token, IngressAddresses: ingress})
	if err != nil {
		return nil, fmt.Errorf("start zone %s: %w", z.Name, err)
	}
	st := &zoneState{plan: z, info: info, instances: map[string]*instance{}, client: &api.Client{BaseURL: info.APIURL}}
	signer, err := auth.LoadSigner(info.DataplaneTokenKeyFile, time.Now)
	if err != nil {
		return st, fmt.Errorf("zone %s: dataplane token key: %w", z.Name, err)
	}
	for _, ing := range z.Ingress {
		tok, err := signer.IssueDataplaneToken("", process.IngressName(ing), auth.ProxyIngress, tokenTTL)
		if err != nil {
			return st, err
		}
		h, err := r.be.StartIngress(ctx, ing, backend.IngressSpec{Zone: info, Mesh: r.plan.Mesh, Token: tok, Port: process.IngressPort,
			Advertise: netip.AddrPortFrom(ing.IP, process.IngressPort)})
		if err != nil {
			return st, fmt.Errorf("start %s: %w", ing.Name, err)
		}
		st.ingresses = append(st.ingresses, h)
	}
	eg, ectx := errgroup.WithContext(ctx)
	infos := make([]*backend.InstanceInfo, len(z.Instances))
	for i, in := range z.Instances {
		tok, err := signer.IssueDataplaneToken(r.plan.Mesh, process.DataplaneName(in), auth.ProxySidecar, tokenTTL)
		if err != nil {
			return st, err
		}
		eg.Go(func() error {
			info, err := r.be.StartInstance(ectx, in, backend.InstanceSpec{Zone: st.info, Mesh: r.plan.Mesh, Token: tok})
			if err != nil {
				return fmt.Errorf("start %s: %w", in.Name, err)
			}
			infos[i] = info
			return nil
		})
	}
	err = eg.Wait()
	for i, info := range infos {
		if info != nil {
			st.instances[z.Instances[i].Name] = &instance{spec: z.Instances[i], info: info}
		}
	}
	if err != nil {
		return st, err
	}
	if z.FakeProxies > 0 {
		c := topology.Component{Name: z.Name + "/fakeproxies", Kind: topology.FakeProxies, Zone: z.Name, Backend: z.Backend, IP: z.CP.IP}
		f, err := r.be.StartFakeProxies(ctx, c, backend.FakeProxySpec{Zone: info, Mesh: r.plan.Mesh, Count: z.FakeProxies})
		if err != nil {
			return st, fmt.Errorf("start %s: %w", c.Name, err)
		}
		st.fakes = f
	}
	r.progress("zone %s up: cp %s, %d ingress, %d instances, %d fake proxies", z.Name, info.APIURL, len(st.ingresses), len(st.instances), z.FakeProxies)
	return st, nil
}
