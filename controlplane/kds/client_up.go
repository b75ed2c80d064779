package kds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"time"

	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// runUp sends the zone's own resources to global: the full set of each up kind first (global
// replaces what it held from this zone), then every change as the store reports it. It also
// sends a heartbeat every Keepalive.Time and ends the connection when global has answered
// nothing for Time+Timeout, since gRPC will not ping a server more often than every 10s.
func (c *ZoneClient) runUp(ctx context.Context, conn *grpc.ClientConn, up func()) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := conn.NewStream(sctx, &uploadStreamDesc, uploadMethod)
	if err != nil {
		return fmt.Errorf("kds: open upload stream: %w", err)
	}
	var heard atomic.Int64
	heard.Store(time.Now().UnixNano())
	recvErr := make(chan error, 1)
	go func() {
		for {
			ack := &discovery.DeltaDiscoveryRequest{}
			if err := st.RecvMsg(ack); err != nil {
				recvErr <- fmt.Errorf("kds: zone → global stream: %w", err)
				cancel() // stop the sender too
				return
			}
			heard.Store(time.Now().UnixNano())
			up()
			if ack.GetTypeUrl() == HeartbeatType {
				continue
			}
			nack := ack.GetErrorDetail() != nil
			c.met.upAcks.WithLabelValues(ack.GetTypeUrl(), result(nack)).Inc()
			if nack {
				err := fmt.Errorf("kds: global refused upload of %s: %s", ack.GetTypeUrl(), ack.GetErrorDetail().GetMessage())
				c.setErr(err)
				c.log.Error("upload NACKed", "type", ack.GetTypeUrl(), "err", ack.GetErrorDetail().GetMessage())
			}
		}
	}()
	err = c.sendUp(sctx, st, &heard)
	cancel()
	// A send fails with EOF when the server ended the stream, and a sender stopped by the
	// receiver fails with Canceled: the receiver then holds the real reason.
	if rerr := <-recvErr; err == nil || errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) && ctx.Err() == nil {
		err = rerr
	}
	return err
}

func (c *ZoneClient) sendUp(ctx context.Context, st grpc.ClientStream, heard *atomic.Int64) error {
	var nonce uint64
	send := func(msg *discovery.DeltaDiscoveryResponse) error {
		nonce++
		msg.Nonce = strconv.FormatUint(nonce, 10)
		if err := st.SendMsg(msg); err != nil {
			return fmt.Errorf("kds: upload: %w", err)
		}
		return nil
	}
	c.takeDirty() // the full sets below cover everything changed so far
	for _, k := range UpKinds() {
		msg, err := c.fullSet(ctx, k)
		if err != nil {
			return err
		}
		if err := send(msg); err != nil {
			return err
		}
	}
	ka := c.opts.Keepalive
	tick := time.NewTicker(ka.Time)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.wake:
			msgs, err := c.changes(ctx, c.takeDirty())
			if err != nil {
				return err
			}
			for _, m := range msgs {
				if err := send(m); err != nil {
					return err
				}
			}
		case <-tick.C:
			if quiet := time.Since(time.Unix(0, heard.Load())); quiet > ka.Time+ka.Timeout {
				return fmt.Errorf("kds: global silent for %v (keepalive %v+%v)", quiet.Round(time.Millisecond), ka.Time, ka.Timeout)
			}
			if err := send(&discovery.DeltaDiscoveryResponse{TypeUrl: HeartbeatType}); err != nil {
				return err
			}
		}
	}
}

// fullSet is the zone's whole set of kind k.
func (c *ZoneClient) fullSet(ctx context.Context, k resource.Kind) (*discovery.DeltaDiscoveryResponse, error) {
	rs, err := c.opts.Store.List(ctx, k, "")
	if err != nil {
		return nil, fmt.Errorf("kds: list %s: %w", k, err)
	}
	msg := &discovery.DeltaDiscoveryResponse{TypeUrl: TypeURL(k), SystemVersionInfo: FullState}
	for _, r := range rs {
		if !IsLocal(r, c.opts.Zone) {
			continue
		}
		e, err := Encode(r)
		if err != nil {
			return nil, err
		}
		msg.Resources = append(msg.Resources, e)
	}
	return msg, nil
}

// changes reads the current state of each changed key (so that a key changed several times
// is sent once, as it is now) and groups it by kind.
func (c *ZoneClient) changes(ctx context.Context, keys []resource.Key) ([]*discovery.DeltaDiscoveryResponse, error) {
	byKind := map[resource.Kind]*discovery.DeltaDiscoveryResponse{}
	var out []*discovery.DeltaDiscoveryResponse
	for _, k := range keys {
		msg := byKind[k.Kind]
		if msg == nil {
			msg = &discovery.DeltaDiscoveryResponse{TypeUrl: TypeURL(k.Kind)}
			byKind[k.Kind] = msg
			out = append(out, msg)
		}
		r, err := c.opts.Store.Get(ctx, k)
		switch {
		case errors.Is(err, store.ErrNotFound):
			msg.RemovedResources = append(msg.RemovedResources, CacheName(k))
		case err != nil:
			return nil, fmt.Errorf("kds: read %s: %w", k, err)
		case !IsLocal(r, c.opts.Zone):
			// Replaced by a resource from global since; nothing of ours to send.
		default:
			e, err := Encode(r)
			if err != nil {
				return nil, err
			}
			msg.Resources = append(msg.Resources, e)
		}
	}
	return out, nil
}
