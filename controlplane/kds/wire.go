package kds

import (
	"fmt"
	"strconv"

	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// Encode wraps r for the wire: a discovery.Resource named by its cache name (name is given
// when it differs, e.g. a zone's ingress under its global name), with the store version and
// the resource's canonical JSON in a BytesValue. The LinearCache marshals this message into
// the Any it sends, so the JSON travels as is and carries the origin, version and times.
func Encode(r *resource.Resource) (*discovery.Resource, error) {
	b, err := resource.MarshalJSON(r)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", r.Key(), err)
	}
	body, err := anypb.New(wrapperspb.Bytes(b))
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", r.Key(), err)
	}
	return &discovery.Resource{
		Name:     CacheName(r.Key()),
		Version:  strconv.FormatUint(r.Version, 10),
		Resource: body,
	}, nil
}

// Decode undoes what the delta server did to an encoded resource: the outer Any (typed with
// our type URL) holds a marshaled discovery.Resource whose Any holds the JSON. It checks
// that the kind matches the type URL and the name matches the resource.
func Decode(typeURL string, res *discovery.Resource) (*resource.Resource, error) {
	kind, err := KindOf(typeURL)
	if err != nil {
		return nil, err
	}
	if res.GetResource() == nil {
		return nil, fmt.Errorf("%s %q: no resource body", kind, res.GetName())
	}
	var inner discovery.Resource
	if err := proto.Unmarshal(res.GetResource().GetValue(), &inner); err != nil {
		return nil, fmt.Errorf("%s %q: %w", kind, res.GetName(), err)
	}
	return decodeInner(kind, res.GetName(), &inner)
}

// DecodeDirect reads a resource sent as is (zone → global, no cache in between).
func DecodeDirect(typeURL string, res *discovery.Resource) (*resource.Resource, error) {
	kind, err := KindOf(typeURL)
	if err != nil {
		return nil, err
	}
	return decodeInner(kind, res.GetName(), res)
}

func decodeInner(kind resource.Kind, name string, inner *discovery.Resource) (*resource.Resource, error) {
	var b wrapperspb.BytesValue
	if inner.GetResource() == nil {
		return nil, fmt.Errorf("%s %q: no resource body", kind, name)
	}
	if err := inner.GetResource().UnmarshalTo(&b); err != nil {
		return nil, fmt.Errorf("%s %q: body: %w", kind, name, err)
	}
	r, err := resource.UnmarshalJSON(b.GetValue())
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", kind, name, err)
	}
	if r.Kind != kind {
		return nil, fmt.Errorf("%s %q: body holds a %s", kind, name, r.Kind)
	}
	if got := CacheName(r.Key()); got != name {
		return nil, fmt.Errorf("%s %q: body is named %q", kind, name, got)
	}
	return r, nil
}
