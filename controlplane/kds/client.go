package kds

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
	"github.com/zonemesh/zonemesh/internal/defect"
)

// ZoneOptions configures a ZoneClient.
type ZoneOptions struct {
	Zone       string // required: the zone's name, a DNS label
	GlobalAddr string // required: host:port of global's KDS server
	// TLS secures the connection (required; KDS never runs in plaintext).
	TLS   credentials.TransportCredentials
	Token string      // required: the zone token global issued
	Store store.Store // required: the zone's store
	// APIAddress is this zone control plane's API address, announced to global ("zone-api").
	APIAddress string
	Backoff    Backoff
	Keepalive  Keepalive
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	Clock      func() time.Time
	// Rand jitters the backoff; seeded from the zone name when nil.
	Rand *rand.Rand
	// OnState, when set, is called (from the client's goroutines) when the client connects and
	// when a connection attempt or connection ends, with the error that ended it.
	OnState func(connected bool, err error)
	// DialOptions are added to the client's own (e.g. a custom dialer in tests).
	DialOptions []grpc.DialOption
}

func (o *ZoneOptions) check() error {
	var errs []error
	if !zoneName.MatchString(o.Zone) {
		errs = append(errs, fmt.Errorf("Zone: %q is not a DNS label", o.Zone))
	}
	if o.GlobalAddr == "" {
		errs = append(errs, errors.New("GlobalAddr: must not be empty"))
	}
	if o.TLS == nil {
		errs = append(errs, errors.New("TLS: transport credentials are required"))
	}
	if o.Token == "" {
		errs = append(errs, errors.New("Token: must not be empty"))
	}
	if o.Store == nil {
		errs = append(errs, errors.New("Store: must not be nil"))
	}
	if o.Backoff.Max != 0 && o.Backoff.Max < o.Backoff.Min {
		errs = append(errs, fmt.Errorf("Backoff.Max: %v is below Backoff.Min %v", o.Backoff.Max, o.Backoff.Min))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("kds: zone options: %w", err)
	}
	return nil
}

// ZoneClient is a zone's side of KDS: it keeps the zone store in step with global and global
// in step with the zone's dataplanes and ingresses.
type ZoneClient struct {
	opts ZoneOptions
	log  *slog.Logger
	met  *clientMetrics

	connected atomic.Bool
	mu        sync.Mutex
	lastErr   error

	dirtyMu sync.Mutex
	dirty   map[resource.Key]bool
	wake    chan struct{}
}

// NewZoneClient returns a client; Run starts it. Options are checked by Run.
func NewZoneClient(opts ZoneOptions) *ZoneClient {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Backoff == (Backoff{}) {
		opts.Backoff = DefaultBackoff
	}
	opts.Keepalive = opts.Keepalive.orDefault()
	if opts.Rand == nil {
		var seed uint64
		for _, c := range opts.Zone {
			seed = seed*31 + uint64(c)
		}
		opts.Rand = rand.New(rand.NewPCG(seed, 0x6b6473))
	}
	c := &ZoneClient{opts: opts, log: opts.Logger.With("component", "kds-zone", "zone", opts.Zone),
		dirty: map[resource.Key]bool{}, wake: make(chan struct{}, 1)}
	met, err := newClientMetrics(opts.Registerer)
	if err != nil {
		c.log.Error("register metrics", "err", err)
	}
	c.met = met
	return c
}

// Connected reports whether the streams to global are up and global has answered.
func (c *ZoneClient) Connected() bool { return c.connected.Load() }

// LastError is the error that ended the last connection attempt (nil after a clean start).
func (c *ZoneClient) LastError() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

func (c *ZoneClient) setErr(err error) {
	c.mu.Lock()
	c.lastErr = err
	c.mu.Unlock()
}

// Run connects to global and keeps syncing, reconnecting with backoff, until ctx is done; it
// returns after its goroutines have stopped. It returns an error only for bad options.
// Nothing is deleted from the zone store while global is unreachable: only a completed
// resync deletes.
func (c *ZoneClient) Run(ctx context.Context) error {
	if err := c.opts.check(); err != nil {
		return err
	}
	unsub := c.opts.Store.Subscribe(c.onEvent)
	defer unsub()
	for attempt := 0; ; attempt++ {
		synced, err := c.session(ctx)
		c.connected.Store(false)
		c.met.connected.Set(0)
		if ctx.Err() != nil {
			return nil
		}
		// Seeded defect for the conformance mutation run only (constant false in production builds).
		if defect.Active(defect.StateDroppedOffline) {
			c.dropSynced(ctx)
		}
		if synced {
			attempt = 0 // the link worked; start the backoff over
		}
		c.setErr(err)
		if c.opts.OnState != nil {
			c.opts.OnState(false, err)
		}
		d := c.opts.Backoff.Delay(attempt, c.opts.Rand)
		switch status.Code(err) {
		case codes.Unauthenticated, codes.PermissionDenied, codes.InvalidArgument:
			c.log.Error("global refused this zone; retrying", "err", err, "in", d)
		default:
			c.log.Warn("KDS connection ended; reconnecting", "err", err, "in", d)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// onEvent marks the zone's own resources for upload.
func (c *ZoneClient) onEvent(ev store.Event) {
	if !IsLocal(ev.Resource, c.opts.Zone) {
		return
	}
	c.dirtyMu.Lock()
	c.dirty[ev.Resource.Key()] = true
	c.dirtyMu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *ZoneClient) takeDirty() []resource.Key {
	c.dirtyMu.Lock()
	defer c.dirtyMu.Unlock()
	out := make([]resource.Key, 0, len(c.dirty))
	for k := range c.dirty {
		out = append(out, k)
	}
	clear(c.dirty)
	return out
}

// session runs one connection: both streams, until either fails. synced reports whether
// global answered at all (so the backoff restarts).
func (c *ZoneClient) session(ctx context.Context) (synced bool, err error) {
	ka := c.opts.Keepalive
	dopts := append([]grpc.DialOption{
		grpc.WithTransportCredentials(c.opts.TLS),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: ka.Time, Timeout: ka.Timeout, PermitWithoutStream: true}),
	}, c.opts.DialOptions...)
	conn, err := grpc.NewClient(c.opts.GlobalAddr, dopts...)
	if err != nil {
		return false, fmt.Errorf("kds: dial %s: %w", c.opts.GlobalAddr, err)
	}
	defer conn.Close()
	md := metadata.Pairs(MDZone, c.opts.Zone, MDAuthorization, "Bearer "+c.opts.Token)
	if c.opts.APIAddress != "" {
		md.Append(MDZoneAPI, c.opts.APIAddress)
	}
	sctx := metadata.NewOutgoingContext(ctx, md)
	var answered atomic.Bool
	up := func() {
		if !answered.Swap(true) {
			c.connected.Store(true)
			c.met.connected.Set(1)
			c.setErr(nil)
			c.log.Info("connected to global", "addr", c.opts.GlobalAddr)
			if c.opts.OnState != nil {
				c.opts.OnState(true, nil)
			}
		}
	}
	g, gctx := errgroup.WithContext(sctx)
	g.Go(func() error { return c.runDown(gctx, conn, up) })
	g.Go(func() error { return c.runUp(gctx, conn, up) })
	err = g.Wait()
	return answered.Load(), err
}

// dropSynced deletes the policies and other zones' ingresses global sent this zone: only the
// StateDroppedOffline defect calls it, to prove the conformance suite notices a zone that
// forgets its state.
func (c *ZoneClient) dropSynced(ctx context.Context) {
	for _, k := range resource.Kinds() {
		info, _ := resource.Info(k)
		rs, _ := c.opts.Store.List(ctx, k, "")
		for _, r := range rs {
			if info.Policy || (k == resource.KindZoneIngress && r.Origin != c.opts.Zone) {
				_ = c.opts.Store.Delete(ctx, r.Key())
			}
		}
	}
}
