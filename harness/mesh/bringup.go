package mesh

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

// Up starts global, the links, the zones, their ingresses, instances and fake proxies, then
// applies the mesh and the scenario's policies.
func (e *Env) Up(ctx context.Context) error {
	t0 := time.Now()
	g, err := e.be.StartGlobal(ctx, e.Plan.Global)
	if err != nil {
		return fmt.Errorf("start global: %w", err)
	}
	e.Global = g
	e.Client = &api.Client{BaseURL: g.APIURL, Token: g.AdminToken}
	e.progress("global up at %s", g.APIURL)
	mesh := &resource.Resource{Kind: resource.KindMesh, Meta: resource.Meta{Name: e.Plan.Mesh},
		Spec: &resource.MeshSpec{MTLS: resource.MTLS{Enabled: e.Plan.MTLS}}}
	if _, err := e.Client.Put(ctx, mesh); err != nil {
		return fmt.Errorf("create mesh %s: %w", e.Plan.Mesh, err)
	}
	if err := e.addLinks(); err != nil {
		return err
	}
	signer, err := auth.LoadSigner(g.ZoneTokenKeyFile, time.Now)
	if err != nil {
		return fmt.Errorf("zone token key: %w", err)
	}
	eg, ectx := errgroup.WithContext(ctx)
	states := make([]*Zone, len(e.Plan.Zones))
	for i, z := range e.Plan.Zones {
		tok, err := signer.IssueZoneToken(z.Name, tokenTTL)
		if err != nil {
			return err
		}
		eg.Go(func() error {
			st, err := e.startZone(ectx, z, tok)
			states[i] = st
			return err
		})
	}
	err = eg.Wait()
	for _, st := range states {
		if st != nil {
			e.zones[st.Plan.Name] = st
		}
	}
	if err != nil {
		return err
	}
	for _, p := range e.sc.Policies {
		b, err := p.YAML()
		if err != nil {
			return fmt.Errorf("policy %s: %w", p.Name, err)
		}
		if _, err := e.Client.Apply(ctx, b); err != nil {
			return fmt.Errorf("apply policy %s (%s line %d): %w", p.Name, e.sc.File, p.Line, err)
		}
	}
	e.progress("topology up in %v: %d zones, %d instances", time.Since(t0).Round(time.Millisecond), len(e.zones), e.instanceCount())
	return nil
}

func (e *Env) instanceCount() int {
	n := 0
	for _, z := range e.zones {
		n += len(z.Instances)
	}
	return n
}

// addLinks creates a fault link for every zone→global connection and, per ingress replica,
// for every ordered zone pair: a fault on "zone-a→zone-b" hits exactly what zone-a sends to
// zone-b (and its answers).
func (e *Env) addLinks() error {
	for _, z := range e.Plan.Zones {
		linkIP := e.linkIP(z.Name).String()
		name := z.Name + "→global"
		if _, err := e.links.AddLink(name, net.JoinHostPort(linkIP, "0"), e.Global.KDSAddr); err != nil {
			return fmt.Errorf("link %s: %w", name, err)
		}
		e.linkGroups[name] = []string{name}
		for _, y := range e.Plan.Zones {
			if y == z {
				continue
			}
			group := z.Name + "→" + y.Name
			for j, ing := range y.Ingress {
				name := fmt.Sprintf("%s#%d", group, j)
				up := net.JoinHostPort(ing.IP.String(), strconv.Itoa(process.IngressPort))
				if _, err := e.links.AddLink(name, net.JoinHostPort(linkIP, "0"), up); err != nil {
					return fmt.Errorf("link %s: %w", name, err)
				}
				e.linkGroups[group] = append(e.linkGroups[group], name)
			}
		}
	}
	return nil
}

// startZone starts one zone's control plane, ingresses, instances and fake proxies.
func (e *Env) startZone(ctx context.Context, z *topology.Zone, token string) (*Zone, error) {
	gaddr, _ := e.links.Addr(z.Name + "→global")
	ingress := map[string]string{}
	for _, y := range e.Plan.Zones {
		for j, ing := range y.Ingress {
			if y == z {
				continue
			}
			la, _ := e.links.Addr(fmt.Sprintf("%s→%s#%d", z.Name, y.Name, j))
			ingress[net.JoinHostPort(ing.IP.String(), strconv.Itoa(process.IngressPort))] = la
		}
	}
	info, err := e.be.StartZone(ctx, z.CP, backend.ZoneSpec{GlobalAddr: gaddr, GlobalServerName: globalTLSName,
		GlobalCAFile: e.Global.CAFile, ZoneToken: token, IngressAddresses: ingress})
	if err != nil {
		return nil, fmt.Errorf("start zone %s: %w", z.Name, err)
	}
	st := &Zone{Plan: z, Info: info, Instances: map[string]*Instance{}, Client: &api.Client{BaseURL: info.APIURL}}
	signer, err := auth.LoadSigner(info.DataplaneTokenKeyFile, time.Now)
	if err != nil {
		return st, fmt.Errorf("zone %s: dataplane token key: %w", z.Name, err)
	}
	// Ingresses and instances need only the zone control plane: they start together.
	eg, ectx := errgroup.WithContext(ctx)
	ings := make([]backend.Handle, len(z.Ingress))
	for i, ing := range z.Ingress {
		tok, err := signer.IssueDataplaneToken("", process.IngressName(ing), auth.ProxyIngress, tokenTTL)
		if err != nil {
			return st, err
		}
		eg.Go(func() error {
			h, err := e.be.StartIngress(ectx, ing, backend.IngressSpec{Zone: info, Mesh: e.Plan.Mesh, Token: tok, Port: process.IngressPort,
				Advertise: netip.AddrPortFrom(ing.IP, process.IngressPort)})
			if err != nil {
				return fmt.Errorf("start %s: %w", ing.Name, err)
			}
			ings[i] = h
			return nil
		})
	}
	infos := make([]*backend.InstanceInfo, len(z.Instances))
	for i, in := range z.Instances {
		tok, err := signer.IssueDataplaneToken(e.Plan.Mesh, process.DataplaneName(in), auth.ProxySidecar, tokenTTL)
		if err != nil {
			return st, err
		}
		eg.Go(func() error {
			info, err := e.be.StartInstance(ectx, in, backend.InstanceSpec{Zone: st.Info, Mesh: e.Plan.Mesh, Token: tok})
			if err != nil {
				return fmt.Errorf("start %s: %w", in.Name, err)
			}
			infos[i] = info
			return nil
		})
	}
	err = eg.Wait()
	for _, h := range ings {
		if h != nil {
			st.Ingresses = append(st.Ingresses, h)
		}
	}
	for i, info := range infos {
		if info != nil {
			st.Instances[z.Instances[i].Name] = &Instance{Spec: z.Instances[i], Info: info}
		}
	}
	if err != nil {
		return st, err
	}
	if z.FakeProxies > 0 {
		c := topology.Component{Name: z.Name + "/fakeproxies", Kind: topology.FakeProxies, Zone: z.Name, Backend: z.Backend, IP: z.CP.IP}
		f, err := e.be.StartFakeProxies(ctx, c, backend.FakeProxySpec{Zone: info, Mesh: e.Plan.Mesh, Count: z.FakeProxies})
		if err != nil {
			return st, fmt.Errorf("start %s: %w", c.Name, err)
		}
		st.Fakes = f
	}
	e.progress("zone %s up: cp %s, %d ingress, %d instances, %d fake proxies", z.Name, info.APIURL, len(st.Ingresses), len(st.Instances), z.FakeProxies)
	return st, nil
}
