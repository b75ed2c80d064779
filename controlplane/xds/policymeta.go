package xds

import (
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// PolicyMetadataKey is the filter_metadata namespace in which a listener, virtual host or
// cluster lists the policies it was built from, as "<Kind>/<name>" → the policy's version. It is
// informational (proxies ignore metadata); the harness reads it to time when a write reached a
// proxy.
const PolicyMetadataKey = "zonemesh.policies"

// PolicyKey is how a policy is named in the metadata.
func PolicyKey(kind resource.Kind, name string) string { return string(kind) + "/" + name }

func policyMeta(rs ...*resource.Resource) *corev3.Metadata {
	fields := map[string]*structpb.Value{}
	for _, r := range rs {
		if r != nil {
			fields[PolicyKey(r.Kind, r.Name)] = structpb.NewNumberValue(float64(r.Version))
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &corev3.Metadata{FilterMetadata: map[string]*structpb.Struct{PolicyMetadataKey: {Fields: fields}}}
}

// PoliciesOf returns the policies listed in a resource's metadata (nil when none).
func PoliciesOf(md *corev3.Metadata) map[string]uint64 {
	st := md.GetFilterMetadata()[PolicyMetadataKey]
	if st == nil {
		return nil
	}
	out := make(map[string]uint64, len(st.GetFields()))
	for k, v := range st.GetFields() {
		out[k] = uint64(v.GetNumberValue())
	}
	return out
}

// Policies returns every policy the generated config was built from: "<Kind>/<name>" → version.
func (r *Resources) Policies() map[string]uint64 {
	out := map[string]uint64{}
	add := func(md *corev3.Metadata) {
		for k, v := range PoliciesOf(md) {
			out[k] = v
		}
	}
	for _, l := range r.Listeners {
		add(l.GetMetadata())
	}
	for _, rc := range r.Routes {
		for _, vh := range rc.GetVirtualHosts() {
			add(vh.GetMetadata())
		}
	}
	for _, c := range r.Clusters {
		add(c.GetMetadata())
	}
	return out
}
