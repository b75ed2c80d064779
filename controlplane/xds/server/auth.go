package server

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/xds"
)

// DataplaneAuthenticator checks a dataplane token: nil when token was issued for the dataplane
// name of mesh (mesh "" for a zone ingress).
type DataplaneAuthenticator interface {
	Authenticate(ctx context.Context, mesh, name, token string) error
}

// MetadataKey is the node metadata field that carries the proxy's resource as JSON.
const MetadataKey = "dataplane"

// ProxyFromNode decodes and validates the resource a node describes, and checks that the node id
// is the one the contract gives that resource.
func ProxyFromNode(node *corev3.Node) (*resource.Resource, error) {
	if node == nil {
		return nil, errors.New("node: missing")
	}
	v := node.GetMetadata().GetFields()[MetadataKey]
	if v == nil {
		return nil, fmt.Errorf("node.metadata.%s: missing", MetadataKey)
	}
	var js []byte
	if sv, ok := v.GetKind().(*structpb.Value_StringValue); ok {
		js = []byte(sv.StringValue)
	} else if st := v.GetStructValue(); st != nil {
		b, err := st.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("node.metadata.%s: %w", MetadataKey, err)
		}
		js = b
	} else {
		return nil, fmt.Errorf("node.metadata.%s: want the resource as a JSON string", MetadataKey)
	}
	r, err := resource.UnmarshalJSON(js)
	if err != nil {
		return nil, fmt.Errorf("node.metadata.%s: %w", MetadataKey, err)
	}
	if r.Kind != resource.KindDataplane && r.Kind != resource.KindZoneIngress {
		return nil, fmt.Errorf("node.metadata.%s.kind: %s is neither Dataplane nor ZoneIngress", MetadataKey, r.Kind)
	}
	if err := resource.Validate(r); err != nil {
		return nil, fmt.Errorf("node.metadata.%s: %w", MetadataKey, err)
	}
	if want := xds.NodeID(r.Mesh, r.Name); node.GetId() != want {
		return nil, fmt.Errorf("node.id: %q does not match the %s it describes (want %q)", node.GetId(), r.Kind, want)
	}
	return r, nil
}

func bearer(ctx context.Context) (string, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("authorization")
	if len(vals) == 0 {
		return "", status.Error(codes.Unauthenticated, "missing authorization metadata")
	}
	tok, ok := strings.CutPrefix(vals[0], "Bearer ")
	if !ok || tok == "" {
		return "", status.Error(codes.Unauthenticated, "authorization: want \"Bearer <dataplane token>\"")
	}
	return tok, nil
}

// streamInterceptor refuses a stream without a token, checks the token against the node of the
// first request, registers the proxy then and unregisters it when the stream ends.
func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	tok, err := bearer(ss.Context())
	if err != nil {
		return err
	}
	w := &authStream{ServerStream: ss, s: s, token: tok}
	err = handler(srv, w)
	if w.id != "" {
		s.detach(w.id)
	}
	// go-control-plane drops the error of a failed Recv and ends the stream as if the client had
	// closed it; return the refusal so the client learns why.
	if w.refused != nil {
		return w.refused
	}
	return err
}

type authStream struct {
	grpc.ServerStream
	s       *Server
	token   string
	id      string // node id once registered
	refused error
}

func (w *authStream) RecvMsg(m any) error {
	if err := w.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	req, ok := m.(*discoveryv3.DiscoveryRequest)
	if !ok {
		return nil
	}
	if w.id != "" {
		if n := req.GetNode(); n != nil && n.GetId() != w.id {
			w.refused = status.Errorf(codes.PermissionDenied, "node.id changed from %q to %q on one stream", w.id, n.GetId())
			return w.refused
		}
		return nil
	}
	r, err := ProxyFromNode(req.GetNode())
	if err != nil {
		w.refused = status.Error(codes.InvalidArgument, err.Error())
		return w.refused
	}
	if err := w.s.cfg.Auth.Authenticate(w.Context(), r.Mesh, r.Name, w.token); err != nil {
		w.refused = status.Errorf(codes.PermissionDenied, "dataplane token for %s: %v", req.GetNode().GetId(), err)
		return w.refused
	}
	if err := w.s.attach(w.Context(), r); err != nil {
		w.refused = status.Errorf(codes.Unavailable, "register %s: %v", req.GetNode().GetId(), err)
		return w.refused
	}
	w.id = req.GetNode().GetId()
	return nil
}
