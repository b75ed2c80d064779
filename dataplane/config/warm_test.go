package config

import (
	"reflect"
	"testing"
)

func TestUnwarmedNamesRoutedEDSClustersWithoutEndpoints(t *testing.T) {
	p := Parts{
		Clusters: map[string]*Cluster{
			"backend":    {Name: "backend", EDSName: "backend"},
			"backend~v2": {Name: "backend~v2", EDSName: "backend~v2"},
			"local":      {Name: "local"}, // STATIC: never waits
		},
		Endpoints: map[string]*Assignment{"backend": {}},
		Routes: map[string]*RouteConfig{"outbound": {Name: "outbound", VirtualHosts: []*VirtualHost{{Routes: []*Route{
			{Cluster: "local"},
			{Weighted: []WeightedCluster{{Name: "backend", Weight: 90}, {Name: "backend~v2", Weight: 10}}},
		}}}}},
	}
	if got := Unwarmed(p); !reflect.DeepEqual(got, []string{"backend~v2"}) {
		t.Fatalf("Unwarmed = %v; want [backend~v2]", got)
	}
	p.Endpoints["backend~v2"] = &Assignment{}
	if got := Unwarmed(p); len(got) != 0 {
		t.Fatalf("Unwarmed = %v once the endpoints arrived; want none", got)
	}
}
