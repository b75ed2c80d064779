package resource

import (
	"strings"
	"testing"
	"time"
)

const sample = `kind: TrafficPermission
mesh: default
name: allow-frontend
spec:
  destination: {service: backend}
  sources:
  - service: frontend
  action: allow
---
kind: HTTPRoute
mesh: default
name: split
spec:
  destination: {service: backend}
  rules:
  - match: {path: {prefix: /api}, headers: [{name: x-canary, exact: "1"}]}
    split:
    - {version: v1, weight: 90}
    - {version: v2, weight: 10}
---
kind: Timeout
mesh: default
name: t
spec: {destination: {service: "*"}, request: 2s}
`

func TestDecodeYAMLRoundTrip(t *testing.T) {
	rs, err := DecodeYAML("sample.yaml", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("got %d resources", len(rs))
	}
	rt := rs[1].Spec.(*HTTPRouteSpec)
	if rt.Rules[0].Split[1].Weight != 10 || rt.Rules[0].Match.Headers[0].Exact != "1" {
		t.Fatalf("bad decode: %+v", rt)
	}
	if got := rs[2].Spec.(*TimeoutSpec).Request.Duration; got != 2*time.Second {
		t.Fatalf("request timeout %v", got)
	}
	for _, r := range rs {
		b, err := MarshalJSON(r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := UnmarshalJSON(b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		b2, _ := MarshalJSON(back)
		if string(b) != string(b2) {
			t.Fatalf("JSON round trip differs:\n%s\n%s", b, b2)
		}
		y, err := MarshalYAML(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeYAML("y", y); err != nil {
			t.Fatalf("YAML round trip: %v\n%s", err, y)
		}
	}
}

func TestDecodeErrorsNameLineAndField(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"unknown field", "kind: Timeout\nmesh: m\nname: t\nspec:\n  destination: {service: a}\n  reqest: 2s\n", "f.yaml:6: spec.reqest: unknown field"},
		{"unknown top field", "kind: Timeout\nmesh: m\nnmae: t\n", "f.yaml:3: nmae: unknown field"},
		{"bad duration", "kind: Timeout\nmesh: m\nname: t\nspec:\n  destination: {service: a}\n  request: 2 s\n", `f.yaml:6: bad duration "2 s"`},
		{"bad action", "kind: TrafficPermission\nmesh: m\nname: t\nspec:\n  destination: {service: a}\n  sources: [{service: b}]\n  action: permit\n", "f.yaml:7: invalid TrafficPermission/m/t: line 7: spec.action"},
		{"unknown kind", "kind: Gateway\nname: x\nspec: {}\n", `f.yaml:1: kind: unknown kind "Gateway"`},
		{"missing mesh", "kind: Retry\nname: r\nspec: {destination: {service: a}, attempts: 3}\n", "mesh: must not be empty"},
		{"weight", "kind: HTTPRoute\nmesh: m\nname: r\nspec:\n  destination: {service: a}\n  rules:\n  - split:\n    - {version: v1, weight: -1}\n", "line 8: spec.rules[0].split[0].weight"},
		{"type", "kind: Retry\nmesh: m\nname: r\nspec:\n  destination: {service: a}\n  attempts: many\n", "f.yaml:6:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeYAML("f.yaml", []byte(c.in))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v; want it to contain %q", err, c.want)
			}
		})
	}
}

func TestJSONStrict(t *testing.T) {
	_, err := Decode([]byte(`{"kind":"Retry","mesh":"m","name":"r","spec":{"destination":{"service":"a"},"attempts":3,"bogus":1}}`))
	if err == nil || !strings.Contains(err.Error(), "spec") || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("got %v", err)
	}
	r, err := Decode([]byte(`{"kind":"Retry","mesh":"m","name":"r","spec":{"destination":{"service":"a"},"attempts":3}}`))
	if err != nil || r.Spec.(*RetrySpec).Attempts != 3 {
		t.Fatalf("got %v %v", r, err)
	}
}

func TestValidateDataplane(t *testing.T) {
	r := &Resource{Kind: KindDataplane, Meta: Meta{Mesh: "default", Name: "web-1"}, Spec: &DataplaneSpec{Networking: DataplaneNetworking{
		Address: "127.0.1.2",
		Inbound: []Inbound{{Port: 20001, ServicePort: 8080, Tags: map[string]string{"service": "web", "version": "v1"}}, {Port: 20001, ServicePort: 0, Tags: map[string]string{}}},
	}}}
	err := Validate(r)
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"inbound[1].port: port 20001 used by two inbounds", "inbound[1].servicePort", "inbound[1].tags.service"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v lacks %q", err, want)
		}
	}
}
