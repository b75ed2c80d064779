package docker

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	tc "github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"golang.org/x/sync/errgroup"

	"github.com/zonemesh/zonemesh/harness/topology"
)

// Labels on every container and network of a run.
const (
	LabelRun       = "zonemesh.run"       // the run id
	LabelPID       = "zonemesh.pid"       // the harness process that owns the run
	LabelComponent = "zonemesh.component" // e.g. "zone-a/cp"
)

// ErrUnavailable is returned when no Docker engine answers.
var ErrUnavailable = errors.New("docker: no Docker engine answers")

// Options configure the backend.
type Options struct {
	// Binary is the static zonemesh executable put in the image (default: the running binary).
	Binary string
	// Dir is the run's evidence folder. It is mounted at the same path in every container, so
	// tokens, CAs and keys are shared as files exactly as on the process backend.
	Dir string
	// Addressing places the docker zones' networks (same Block as the plan's).
	Addressing Addressing
	// Zones are the zones whose components run here; each gets its network.
	Zones []*topology.Zone
	// RunID labels everything the run creates (default: random).
	RunID                             string
	KDSKeepalive, KDSKeepaliveTimeout time.Duration
	ReadyTimeout                      time.Duration
	LogLevel                          string
	// BuildLog receives the image build's output (default: discarded).
	BuildLog io.Writer
	// DNS gives every pod the sidecar DNS and VIP listeners (dns.go).
	DNS bool
}

// Backend starts components as containers.
type Backend struct {
	opts  Options
	cli   *tc.DockerClient
	image string
	built bool
	logs  string
	// nets maps a zone's index (0: the WAN) to its network's name; zoneIdx maps zone names.
	nets    map[int]string
	netIDs  []string
	zoneIdx map[string]int

	// tclog receives testcontainers' messages (logs/testcontainers.log).
	tclog  *lineLog
	mu     sync.Mutex
	ctrs   []*ctr
	closed bool
	// creating counts container creations in flight: Close waits for them, so a container
	// created while it runs (Ctrl-C during bring-up) is removed too.
	creating sync.WaitGroup
}

// lineLog is a testcontainers logger writing one line per message to a file.
type lineLog struct {
	mu sync.Mutex
	f  *os.File
}

func (l *lineLog) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.f, time.Now().UTC().Format(time.RFC3339Nano)+" "+strings.TrimSuffix(format, "\n")+"\n", v...)
}

// Ryuk (the reaper container) cannot be pulled here and the backend removes what it creates
// itself; testcontainers reads this once, before its first call, and only the literal "true" counts.
func disableRyuk() { _ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true") }

// Client connects to the Docker engine, or returns an error wrapping ErrUnavailable.
func Client(ctx context.Context) (*tc.DockerClient, error) {
	disableRyuk()
	// The library's banner and per-container chatter would interleave with the run's progress;
	// containers log it to the run's testcontainers.log instead (Backend.tclog).
	tclog.SetDefault(tclog.NewNoopLogger())
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cli, err := tc.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		_ = cli.Close()
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return cli, nil
}

// New connects to the engine, makes sure the image exists and creates the networks: the WAN
// and one per zone. Close removes everything it created.
func New(ctx context.Context, opts Options) (*Backend, error) {
	if opts.Dir == "" {
		return nil, errors.New("docker backend: Dir is required")
	}
	if opts.Addressing.Block == 0 || opts.Addressing.Block == 255 {
		return nil, fmt.Errorf("docker backend: Addressing.Block %d out of range 1..254", opts.Addressing.Block)
	}
	if opts.Binary == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		opts.Binary = exe
	}
	if opts.RunID == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		opts.RunID = hex.EncodeToString(b[:])
	}
	if opts.KDSKeepalive == 0 {
		opts.KDSKeepalive = 2 * time.Second
	}
	if opts.KDSKeepaliveTimeout == 0 {
		opts.KDSKeepaliveTimeout = 2 * time.Second
	}
	if opts.ReadyTimeout == 0 {
		opts.ReadyTimeout = 30 * time.Second
	}
	if opts.LogLevel == "" {
		opts.LogLevel = "info"
	}
	logs := filepath.Join(opts.Dir, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return nil, err
	}
	cli, err := Client(ctx)
	if err != nil {
		return nil, err
	}
	lf, err := os.OpenFile(filepath.Join(logs, "testcontainers.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		_ = cli.Close()
		return nil, err
	}
	b := &Backend{opts: opts, cli: cli, logs: logs, nets: map[int]string{}, zoneIdx: map[string]int{}, tclog: &lineLog{f: lf}}
	if b.image, b.built, err = EnsureImage(ctx, cli, opts.Binary, opts.BuildLog); err != nil {
		return nil, errors.Join(err, cli.Close(), lf.Close())
	}
	b.tclog.Printf("run %s: image %s (built: %v)", opts.RunID, b.image, b.built)
	if err := b.createNetworks(ctx); err != nil {
		return nil, errors.Join(err, b.Close(context.WithoutCancel(ctx)))
	}
	return b, nil
}

// Name is "docker".
func (b *Backend) Name() string { return "docker" }

// RunID is the label value of everything this backend created.
func (b *Backend) RunID() string { return b.opts.RunID }

// Image is the image reference the containers run, and whether New built it.
func (b *Backend) Image() (string, bool) { return b.image, b.built }

// LinkHost is the host address that fault links for zone's components listen on: the gateway
// of the zone's network (the WAN's for global or an unknown zone). Containers reach it through
// their default route.
func (b *Backend) LinkHost(zone string) netip.Addr {
	return b.opts.Addressing.Gateway(b.zoneIdx[zone])
}

// IngressAddress is the WAN address ingress replica j of zone listens on and advertises.
func (b *Backend) IngressAddress(zone string, j int) (netip.Addr, error) {
	idx, ok := b.zoneIdx[zone]
	if !ok {
		return netip.Addr{}, fmt.Errorf("docker: zone %q does not run here", zone)
	}
	return b.opts.Addressing.IngressWAN(idx, j)
}

func (b *Backend) labels(component string) map[string]string {
	return map[string]string{LabelRun: b.opts.RunID, LabelPID: strconv.Itoa(os.Getpid()), LabelComponent: component}
}

// objectName is a Docker name for a run's object: "zm-<run>-zone-a.cp".
func (b *Backend) objectName(n string) string {
	return "zm-" + b.opts.RunID + "-" + strings.ReplaceAll(n, "/", ".")
}

// createNetworks creates the WAN and the zones' networks, all at once (each is an engine
// round trip of its own).
func (b *Backend) createNetworks(ctx context.Context) error {
	for _, z := range b.opts.Zones {
		if z.Index < 1 || z.Index > MaxZones {
			return fmt.Errorf("docker: zone %s: index %d; the docker addressing holds zones 1..%d", z.Name, z.Index, MaxZones)
		}
		b.zoneIdx[z.Name] = z.Index
	}
	var eg errgroup.Group
	eg.Go(func() error { return b.createNetwork(ctx, 0, "wan") })
	for _, z := range b.opts.Zones {
		eg.Go(func() error { return b.createNetwork(ctx, z.Index, z.Name) })
	}
	return eg.Wait()
}

func (b *Backend) createNetwork(ctx context.Context, idx int, name string) error {
	a := b.opts.Addressing
	full := b.objectName(name)
	res, err := b.cli.NetworkCreate(ctx, full, client.NetworkCreateOptions{Driver: "bridge", Labels: b.labels("network/" + name),
		IPAM: &network.IPAM{Driver: "default", Config: []network.IPAMConfig{{Subnet: a.Subnet(idx), IPRange: a.DynamicRange(idx), Gateway: a.Gateway(idx)}}}})
	if err != nil {
		return fmt.Errorf("docker: create network %s (%s): %w", full, a.Subnet(idx), err)
	}
	b.mu.Lock()
	b.nets[idx] = full
	b.netIDs = append(b.netIDs, res.ID)
	b.mu.Unlock()
	return nil
}

// Close removes every container (after saving its log) and network of the run; it is idempotent.
func (b *Backend) Close(ctx context.Context) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	done := make(chan struct{})
	go func() { b.creating.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	b.mu.Lock()
	ctrs, nets := b.ctrs, b.netIDs
	b.ctrs, b.netIDs = nil, nil
	b.mu.Unlock()
	var (
		wg   sync.WaitGroup
		emu  sync.Mutex
		errs []error
	)
	// Removal is an engine round trip each; a few at a time keeps a 30-container run quick
	// without flooding a 2-core engine.
	sem := make(chan struct{}, 4)
	for _, c := range ctrs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := c.remove(ctx); err != nil {
				emu.Lock()
				errs = append(errs, err)
				emu.Unlock()
			}
		}()
	}
	wg.Wait()
	// A create whose answer was lost (its context ended mid-request) leaves a container this
	// backend never heard of: sweep the run's label for those, and for the networks.
	if _, err := Clean(ctx, b.cli, CleanOptions{RunID: b.opts.RunID}); err != nil {
		errs = append(errs, err)
		for _, id := range nets {
			if _, err := b.cli.NetworkRemove(ctx, id, client.NetworkRemoveOptions{}); err != nil {
				errs = append(errs, fmt.Errorf("docker: remove network %s: %w", id, err))
			}
		}
	}
	errs = append(errs, b.cli.Close(), b.tclog.f.Close())
	return errors.Join(errs...)
}
