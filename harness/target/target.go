package target

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zonemesh/zonemesh/conformance"
	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/harness/mesh"
	"github.com/zonemesh/zonemesh/scenarios"
)

// Options configure the reference Target.
type Options struct {
	Out      string // evidence folder (logs, data)
	Binary   string // zonemesh binary for the components
	Version  string // reported implementation version
	LogLevel string
	Progress io.Writer
	// Backend runs every component of the mesh: process (default) or docker.
	Backend string
	// KDSKeepalive and KDSKeepaliveTimeout bound hung-zone detection (default 1s + 1s, so the
	// offline requirement fits its budget with room to spare).
	KDSKeepalive, KDSKeepaliveTimeout time.Duration
}

// Reference is the reference mesh as a Target.
type Reference struct {
	opts   Options
	env    *mesh.Env
	topo   conformance.Topology
	faults map[conformance.FaultID]*mesh.Injected
	nextID int
}

var _ conformance.Target = (*Reference)(nil)

// New returns an unstarted reference Target; Setup brings it up.
func New(opts Options) *Reference {
	if opts.KDSKeepalive == 0 {
		opts.KDSKeepalive = time.Second
	}
	if opts.KDSKeepaliveTimeout == 0 {
		opts.KDSKeepaliveTimeout = time.Second
	}
	if opts.Version == "" {
		opts.Version = "dev"
	}
	if opts.Backend == "" {
		opts.Backend = scenarios.BackendProcess
	}
	return &Reference{opts: opts, faults: map[conformance.FaultID]*mesh.Injected{}}
}

func (r *Reference) Implementation() (string, string) {
	return "zonemesh reference mesh", r.opts.Version
}
func (r *Reference) Backend() string { return r.opts.Backend }

// Features: the reference mesh implements every feature of the spec.
func (r *Reference) Features() []conformance.Feature { return conformance.AllFeatures() }

// Env is the live mesh (nil before Setup), for evidence.
func (r *Reference) Env() *mesh.Env { return r.env }

// Backends the reference Target runs on.
var Backends = []string{scenarios.BackendProcess, scenarios.BackendDocker}

// Setup builds a scenario from the topology and brings it up on the chosen backend.
func (r *Reference) Setup(ctx context.Context, topo conformance.Topology) error {
	if !slices.Contains(Backends, r.opts.Backend) {
		return fmt.Errorf("reference mesh: backend %q: the reference Target runs on %s", r.opts.Backend, strings.Join(Backends, ", "))
	}
	sc := &scenarios.Scenario{Name: "conformance", Seed: 1, Mesh: scenarios.Mesh{Name: topo.Mesh, MTLS: topo.MTLS},
		Topology: scenarios.Topology{Backend: r.opts.Backend}}
	for _, z := range topo.Zones {
		sz := scenarios.Zone{Name: z.Name, Ingress: z.Ingress}
		for _, s := range z.Services {
			sz.Services = append(sz.Services, scenarios.Service{Name: s.Name, Version: s.Version, Replicas: s.Replicas, Protocol: scenarios.ProtocolHTTP})
		}
		sc.Topology.Zones = append(sc.Topology.Zones, sz)
	}
	env, err := mesh.New(sc, mesh.Options{Out: r.opts.Out, Binary: r.opts.Binary, LogLevel: r.opts.LogLevel,
		Progress: r.opts.Progress, KDSKeepalive: r.opts.KDSKeepalive, KDSKeepaliveTimeout: r.opts.KDSKeepaliveTimeout})
	if err != nil {
		return err
	}
	r.env, r.topo = env, topo
	if err := env.Up(ctx); err != nil {
		return fmt.Errorf("reference mesh: %w", err)
	}
	return nil
}

// Close stops the mesh.
func (r *Reference) Close() error {
	if r.env != nil {
		r.env.Close()
	}
	return nil
}

func (r *Reference) Apply(ctx context.Context, yaml []byte) error {
	_, err := r.env.Client.Apply(ctx, yaml)
	return err
}

func (r *Reference) Delete(ctx context.Context, kind, name string) error {
	err := r.env.Client.Delete(ctx, resource.Key{Kind: resource.Kind(kind), Mesh: r.topo.Mesh, Name: name})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

func (r *Reference) PolicyVersion(ctx context.Context, zone, kind, name string) (uint64, bool, error) {
	c := r.env.Client
	if zone != "" {
		z := r.env.Zone(zone)
		if z == nil {
			return 0, false, fmt.Errorf("unknown zone %q", zone)
		}
		c = z.Client
	}
	return StoredVersion(ctx, c, resource.Key{Kind: resource.Kind(kind), Mesh: r.topo.Mesh, Name: name})
}

// StoredVersion reads the version of key from the control plane behind c; a resource that is
// not there is reported as not found, not as an error.
func StoredVersion(ctx context.Context, c *api.Client, key resource.Key) (uint64, bool, error) {
	res, err := c.Get(ctx, key)
	if errors.Is(err, store.ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return res.Version, true, nil
}

func (r *Reference) ApplyAnonymous(ctx context.Context, yaml []byte) error {
	c := &api.Client{BaseURL: r.env.Global.APIURL}
	_, err := c.Apply(ctx, yaml)
	return err
}

func (r *Reference) Call(ctx context.Context, from, service, path string, hdr http.Header) (*conformance.Answer, error) {
	a, err := r.env.Call(ctx, from, service, path, hdr)
	if err != nil {
		return nil, err
	}
	return &conformance.Answer{Status: a.Status, Zone: a.Zone, Service: a.Service, Version: a.Version,
		Instance: a.Instance, Caller: a.Caller}, nil
}

func (r *Reference) Zones(ctx context.Context) ([]conformance.ZoneStatus, error) {
	st, err := r.env.Client.Zones(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]conformance.ZoneStatus, 0, len(st))
	for _, s := range st {
		out = append(out, conformance.ZoneStatus{Name: s.Name, Online: s.Online})
	}
	return out, nil
}

func (r *Reference) Inventory(ctx context.Context) ([]conformance.Workload, error) {
	dps, err := r.env.Client.List(ctx, resource.KindDataplane, "")
	if err != nil {
		return nil, err
	}
	var out []conformance.Workload
	for _, d := range dps {
		w := conformance.Workload{Kind: conformance.WorkloadDataplane, Zone: d.Origin, Name: d.Name}
		if s, ok := d.Spec.(*resource.DataplaneSpec); ok && len(s.Networking.Inbound) > 0 {
			w.Service = s.Networking.Inbound[0].Service()
		}
		out = append(out, w)
	}
	ings, err := r.env.Client.List(ctx, resource.KindZoneIngress, "")
	if err != nil {
		return nil, err
	}
	for _, i := range ings {
		w := conformance.Workload{Kind: conformance.WorkloadIngress, Zone: i.Origin, Name: i.Name}
		if s, ok := i.Spec.(*resource.ZoneIngressSpec); ok {
			if w.Zone == "" {
				w.Zone = s.Zone
			}
			for _, a := range s.AvailableServices {
				w.Services = append(w.Services, a.Tags[resource.TagService])
			}
		}
		out = append(out, w)
	}
	return out, nil
}

func (r *Reference) Proxies(ctx context.Context, zone string) ([]conformance.ProxyVersions, error) {
	z := r.env.Zone(zone)
	if z == nil {
		return nil, fmt.Errorf("unknown zone %q", zone)
	}
	return ZoneProxies(ctx, z.Info.APIURL)
}

// ZoneProxies reads what each proxy of a zone was sent and ACKed from the zone control
// plane's API at apiURL.
func ZoneProxies(ctx context.Context, apiURL string) ([]conformance.ProxyVersions, error) {
	ps, err := mesh.Proxies(ctx, apiURL)
	if err != nil {
		return nil, err
	}
	out := make([]conformance.ProxyVersions, 0, len(ps))
	for _, p := range ps {
		pv := conformance.ProxyVersions{ID: p.ID, Types: map[string]conformance.TypeVersion{}}
		for t, s := range p.Types {
			pv.Types[t] = conformance.TypeVersion{Sent: s.Sent, Acked: s.Acked, AckedAt: s.AckedAt}
		}
		out = append(out, pv)
	}
	return out, nil
}

func (r *Reference) Do(ctx context.Context, a conformance.Action, c conformance.Component) error {
	_, err := r.env.Do(ctx, string(a), &scenarios.ComponentRef{Zone: c.Zone, Component: string(c.Kind), Service: c.Service})
	return err
}

func (r *Reference) Partition(ctx context.Context, l conformance.Link) (conformance.FaultID, error) {
	r.nextID++
	name := "conformance-" + strconv.Itoa(r.nextID)
	in, err := r.env.Inject(&scenarios.Fault{Name: name, Type: scenarios.FaultPartition, Link: scenarios.Link{From: l.From, To: l.To}})
	if err != nil {
		return "", err
	}
	id := conformance.FaultID(name)
	r.faults[id] = in
	return id, nil
}

func (r *Reference) Heal(ctx context.Context, id conformance.FaultID) error {
	in := r.faults[id]
	if in == nil {
		return nil
	}
	delete(r.faults, id)
	return r.env.Heal(in)
}

func (r *Reference) Scale(ctx context.Context, zone, service string, replicas int) error {
	return r.env.Scale(ctx, &scenarios.ScaleStep{Zone: zone, Service: service, Replicas: replicas})
}

// SetBehaviour drives the echo workload's control endpoints of every matching instance.
func (r *Reference) SetBehaviour(ctx context.Context, zone, service string, b conformance.Behaviour) error {
	var errs []error
	n := 0
	for _, z := range r.env.Zones() {
		if zone != "" && z.Plan.Name != zone {
			continue
		}
		for _, in := range z.Instances {
			if in.Spec.Service != service {
				continue
			}
			n++
			errs = append(errs, setBehaviour(ctx, in.Info.AppURL, b))
		}
	}
	if n == 0 {
		return fmt.Errorf("no instance of %s in %q", service, zone)
	}
	return errors.Join(errs...)
}

func setBehaviour(ctx context.Context, appURL string, b conformance.Behaviour) error {
	if err := post(ctx, appURL+"/_control/reset"); err != nil {
		return err
	}
	if b.FailShare > 0 {
		code := b.FailCode
		if code == 0 {
			code = http.StatusServiceUnavailable
		}
		q := url.Values{"share": {strconv.FormatFloat(b.FailShare, 'f', -1, 64)}, "code": {strconv.Itoa(code)}}
		if err := post(ctx, appURL+"/_control/fail?"+q.Encode()); err != nil {
			return err
		}
	}
	if b.Delay > 0 {
		if err := post(ctx, appURL+"/_control/delay?delay="+b.Delay.String()); err != nil {
			return err
		}
	}
	return nil
}

func post(ctx context.Context, u string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return err
	}
	resp, err := mesh.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s", u, resp.Status)
	}
	return nil
}

func (r *Reference) Converged(ctx context.Context) error { return r.env.Converged(ctx) }
