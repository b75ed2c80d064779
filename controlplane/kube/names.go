package kube

import (
	"fmt"
	"hash/fnv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/zonemesh/zonemesh/controlplane/kube/crds"
	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// Plural is the resource name of kind k's CRD ("trafficpermissions").
func Plural(k resource.Kind) string {
	l := strings.ToLower(string(k))
	switch {
	case strings.HasSuffix(l, "sh"), strings.HasSuffix(l, "ss"):
		return l + "es"
	case strings.HasSuffix(l, "ry"):
		return l[:len(l)-1] + "ies"
	}
	return l + "s"
}

// GVR is the group, version and resource of kind k's custom resources.
func GVR(k resource.Kind) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: crds.Group, Version: crds.Version, Resource: Plural(k)}
}

// ObjectName is the Kubernetes name of the custom resource holding key. Resource names
// allow characters and lengths Kubernetes names do not, and (mesh, name) pairs must not
// collide, so the name is a readable DNS-1123 prefix plus a hash of the exact key.
func ObjectName(key resource.Key) string {
	var b strings.Builder
	for _, r := range strings.ToLower(key.Mesh + "-" + key.Name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	prefix := strings.Trim(b.String(), "-")
	if len(prefix) > 50 {
		prefix = strings.TrimRight(prefix[:50], "-")
	}
	h := fnv.New64a()
	h.Write([]byte(key.Mesh + "\x00" + key.Name))
	if prefix == "" {
		return fmt.Sprintf("r-%016x", h.Sum64())
	}
	return fmt.Sprintf("%s-%016x", prefix, h.Sum64())
}
