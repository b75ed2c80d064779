package kds

import (
	"fmt"
	"strings"

	"github.com/zonemesh/zonemesh/controlplane/resource"
)

// TypePrefix starts every KDS type URL; the rest is the kind ("zonemesh.io/TrafficPermission").
const TypePrefix = "zonemesh.io/"

// TypeURL returns the KDS type URL of a kind.
func TypeURL(k resource.Kind) string { return TypePrefix + string(k) }

// KindOf returns the kind a type URL names.
func KindOf(typeURL string) (resource.Kind, error) {
	s, ok := strings.CutPrefix(typeURL, TypePrefix)
	if !ok {
		return "", fmt.Errorf("type URL %q: not under %s", typeURL, TypePrefix)
	}
	k, err := resource.ParseKind(s)
	if err != nil {
		return "", fmt.Errorf("type URL %q: %w", typeURL, err)
	}
	return k, nil
}

// DownKinds are the kinds global sends to every zone: meshes, mesh CAs, every policy kind, and
// zone ingresses (each zone gets the other zones' ones).
func DownKinds() []resource.Kind {
	var out []resource.Kind
	for _, k := range resource.Kinds() {
		if IsDown(k) {
			out = append(out, k)
		}
	}
	return out
}

// IsDown reports whether global sends kind k to zones.
func IsDown(k resource.Kind) bool {
	info, ok := resource.Info(k)
	if !ok {
		return false
	}
	return info.Policy || k == resource.KindMesh || k == resource.KindMeshCA || k == resource.KindZoneIngress
}

// UpKinds are the kinds a zone sends to global (the zone-owned ones: dataplanes, ingresses).
func UpKinds() []resource.Kind {
	var out []resource.Kind
	for _, k := range resource.Kinds() {
		if info, _ := resource.Info(k); info.ZoneOwned {
			out = append(out, k)
		}
	}
	return out
}

// IsLocal reports whether r, found in zone's store, was written by that zone (and so is its
// to send up) rather than received from global. Zone-owned kinds written locally carry Origin
// "" or the zone's name; everything received from global carries another origin.
func IsLocal(r *resource.Resource, zone string) bool {
	info, ok := resource.Info(r.Kind)
	return ok && info.ZoneOwned && (r.Origin == "" || r.Origin == zone)
}

// CacheName is the name a resource has in the KDS caches and on the wire: "mesh/name" for
// kinds scoped to a mesh, "name" otherwise. Resource names never contain '/'.
func CacheName(k resource.Key) string {
	if k.Mesh == "" {
		return k.Name
	}
	return k.Mesh + "/" + k.Name
}

// KeyOf parses a cache name of kind k back into a key.
func KeyOf(k resource.Kind, name string) (resource.Key, error) {
	info, ok := resource.Info(k)
	if !ok {
		return resource.Key{}, fmt.Errorf("unknown kind %q", k)
	}
	mesh, n, scoped := strings.Cut(name, "/")
	switch {
	case info.Scoped && !scoped:
		return resource.Key{}, fmt.Errorf("%s name %q: want mesh/name", k, name)
	case !info.Scoped && scoped:
		return resource.Key{}, fmt.Errorf("%s name %q: kind is not scoped to a mesh", k, name)
	case !info.Scoped:
		return resource.Key{Kind: k, Name: name}, nil
	}
	if mesh == "" || n == "" {
		return resource.Key{}, fmt.Errorf("%s name %q: empty mesh or name", k, name)
	}
	return resource.Key{Kind: k, Mesh: mesh, Name: n}, nil
}

// GlobalName is the name global stores a zone's resource under: "<zone>.<name>", so that
// two zones' dataplanes of the same name never collide. Zone names are DNS labels (no '.'),
// so the zone is everything before the first '.'.
func GlobalName(zone, name string) string { return zone + "." + name }

// ZoneOfGlobalName splits a global name back into zone and the zone's own name.
func ZoneOfGlobalName(s string) (zone, name string, ok bool) {
	zone, name, ok = strings.Cut(s, ".")
	return zone, name, ok && zone != "" && name != ""
}
