package ads

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/zonemesh/zonemesh/dataplane/config"
	"github.com/zonemesh/zonemesh/internal/defect"
	statuspb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// Options configure a Client.
type Options struct {
	Conn  grpc.ClientConnInterface // a connection to the zone control plane (TLS)
	Token string                   // dataplane token, sent as "authorization: Bearer <token>"
	Node  *corev3.Node
	// SecretNames are the SDS names to subscribe to (default identity, mesh_ca).
	SecretNames []string
	// Apply installs a new config; an error NACKs the response that produced it.
	Apply func(*config.Config) error
	// Now is the clock (default time.Now); Rand jitters the backoff.
	Now                    func() time.Time
	Rand                   *rand.Rand
	MinBackoff, MaxBackoff time.Duration // default 100ms, 5s
	Logf                   func(format string, args ...any)
}

// Client is one ADS client. Run drives it; the other methods are safe to call concurrently.
type Client struct {
	o  Options
	st *state

	// Stream-side state, touched only by the Run goroutine.
	parts config.Parts
	sub   map[string]*sub
	// heldRoutes is a route config waiting for the endpoints of clusters it sends traffic to.
	heldRoutes *discoveryv3.DiscoveryResponse
}

type sub struct {
	version, nonce string
	names          []string // nil: wildcard
}

// New returns a client; call Run to start it.
func New(o Options) *Client {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if o.MinBackoff == 0 {
		o.MinBackoff = 100 * time.Millisecond
	}
	if o.MaxBackoff == 0 {
		o.MaxBackoff = 5 * time.Second
	}
	if o.SecretNames == nil {
		o.SecretNames = []string{"identity", "mesh_ca"}
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
	c := &Client{o: o, st: newState(), sub: map[string]*sub{}}
	for _, t := range Types {
		c.sub[t] = &sub{}
	}
	c.sub[resourcev3.SecretType].names = o.SecretNames
	c.sub[resourcev3.EndpointType].names = []string{}
	c.sub[resourcev3.RouteType].names = []string{}
	return c
}

// Run keeps a stream open until ctx is cancelled, reconnecting with jittered exponential backoff.
// The last applied config stays installed while the control plane is unreachable.
func (c *Client) Run(ctx context.Context) error {
	backoff := c.o.MinBackoff
	for {
		progressed, err := c.stream(ctx)
		c.setConnected(false)
		if ctx.Err() != nil {
			return nil
		}
		// Seeded defect for the conformance mutation run only (constant false in production builds).
		if defect.Active(defect.ConfigDroppedOnLoss) {
			c.parts = config.Parts{}
			_ = c.o.Apply(config.Assemble(c.parts))
		}
		if progressed {
			backoff = c.o.MinBackoff
		}
		wait := backoff/2 + time.Duration(c.o.Rand.Int64N(int64(backoff)))
		c.o.Logf("ads: stream ended: %v; reconnecting in %v", err, wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(backoff*2, c.o.MaxBackoff)
	}
}

func (c *Client) setConnected(v bool) {
	c.st.mu.Lock()
	c.st.connected = v
	c.st.notifyLocked()
	c.st.mu.Unlock()
}

// stream runs one ADS stream; progressed reports whether any response arrived.
func (c *Client) stream(ctx context.Context) (progressed bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if c.o.Token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+c.o.Token)
	}
	st, err := discoveryv3.NewAggregatedDiscoveryServiceClient(c.o.Conn).StreamAggregatedResources(ctx)
	if err != nil {
		return false, fmt.Errorf("open stream: %w", err)
	}
	// A new stream starts without nonces; versions tell the server what we already have.
	c.heldRoutes = nil
	for _, t := range Types {
		c.sub[t].nonce = ""
		if err := c.send(st, t, nil); err != nil {
			return false, err
		}
	}
	c.setConnected(true)
	for {
		resp, err := st.Recv()
		if err != nil {
			return progressed, fmt.Errorf("recv: %w", err)
		}
		progressed = true
		if err := c.handle(st, resp); err != nil {
			return progressed, err
		}
	}
}

func (c *Client) send(st discoveryv3.AggregatedDiscoveryService_StreamAggregatedResourcesClient, typeURL string, nack error) error {
	s := c.sub[typeURL]
	req := &discoveryv3.DiscoveryRequest{Node: c.o.Node, TypeUrl: typeURL, VersionInfo: s.version,
		ResponseNonce: s.nonce, ResourceNames: s.names}
	if nack != nil {
		req.ErrorDetail = &statuspb.Status{Code: 3, Message: nack.Error()} // INVALID_ARGUMENT
	}
	if err := st.Send(req); err != nil {
		return fmt.Errorf("send %s: %w", typeURL, err)
	}
	return nil
}

var errUnknownType = errors.New("type not subscribed")

func (c *Client) handle(st discoveryv3.AggregatedDiscoveryService_StreamAggregatedResourcesClient, resp *discoveryv3.DiscoveryResponse) error {
	t := resp.GetTypeUrl()
	s, ok := c.sub[t]
	if !ok {
		return fmt.Errorf("response for %s: %w", t, errUnknownType)
	}
	received := c.o.Now()
	s.nonce = resp.GetNonce()
	c.st.mu.Lock()
	c.st.status[t].Received = received
	c.st.mu.Unlock()

	next, err := c.translate(t, resp)
	if err == nil && t == resourcev3.RouteType {
		if cold := config.Unwarmed(next); len(cold) > 0 {
			// Apply and ACK once the endpoints of the clusters it needs have arrived.
			c.heldRoutes = resp
			c.o.Logf("ads: holding routes version %s until endpoints of %v arrive", resp.GetVersionInfo(), cold)
			return nil
		}
	}
	if t == resourcev3.RouteType {
		c.heldRoutes = nil
	}
	if err == nil {
		err = c.o.Apply(config.Assemble(next))
	}
	if err != nil {
		c.o.Logf("ads: NACK %s version %s: %v", t, resp.GetVersionInfo(), err)
		c.st.mu.Lock()
		ts := c.st.status[t]
		ts.Nack, ts.NackTime, ts.NackVer = err.Error(), c.o.Now(), resp.GetVersionInfo()
		c.st.notifyLocked()
		c.st.mu.Unlock()
		return c.send(st, t, err)
	}
	applied := c.o.Now()
	c.parts = next
	s.version = resp.GetVersionInfo()
	c.st.mu.Lock()
	ts := c.st.status[t]
	ts.Version, ts.Applied = s.version, applied
	c.st.resources[t] = resp.GetResources()
	c.st.notifyLocked()
	c.st.mu.Unlock()
	if err := c.send(st, t, nil); err != nil {
		return err
	}
	if t == resourcev3.EndpointType && c.heldRoutes != nil {
		held := c.heldRoutes
		c.heldRoutes = nil
		if err := c.handle(st, held); err != nil {
			return err
		}
	}
	// Follow-up subscriptions: EDS names every EDS cluster, RDS every route config an HCM uses.
	switch t {
	case resourcev3.ClusterType:
		return c.resubscribe(st, resourcev3.EndpointType, config.EDSNames(c.parts.Clusters))
	case resourcev3.ListenerType:
		return c.resubscribe(st, resourcev3.RouteType, config.RDSNames(c.parts.Listeners))
	}
	return nil
}

func (c *Client) resubscribe(st discoveryv3.AggregatedDiscoveryService_StreamAggregatedResourcesClient, t string, names []string) error {
	if names == nil {
		names = []string{}
	}
	if slices.Equal(c.sub[t].names, names) {
		return nil
	}
	c.sub[t].names = names
	return c.send(st, t, nil)
}

// translate returns the parts with type t replaced by the response's resources.
func (c *Client) translate(t string, resp *discoveryv3.DiscoveryResponse) (config.Parts, error) {
	p := c.parts
	res := resp.GetResources()
	var err error
	switch t {
	case resourcev3.ClusterType:
		p.Clusters, err = config.TranslateClusters(res)
	case resourcev3.ListenerType:
		p.Listeners, err = config.TranslateListeners(res)
	case resourcev3.EndpointType:
		p.Endpoints, err = config.TranslateEndpoints(res)
	case resourcev3.RouteType:
		p.Routes, err = config.TranslateRoutes(res)
	case resourcev3.SecretType:
		p.Secrets, err = config.TranslateSecrets(res)
	}
	return p, err
}
