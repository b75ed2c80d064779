package resource

import "testing"

// FuzzDecode feeds arbitrary bytes to both decoders: they must return an error or a resource
// that validates and survives a round trip, and never panic.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte(`{"kind":"Retry","mesh":"m","name":"r","spec":{"destination":{"service":"a"},"attempts":3}}`))
	f.Add([]byte("kind: Mesh\nname: default\nspec: {mtls: {enabled: true, certTTL: 1h}}\n"))
	f.Add([]byte("kind: Dataplane\nmesh: m\nname: d\nspec: {networking: {address: 127.0.0.1, inbound: [{port: 1, servicePort: 2, tags: {service: a}}]}}\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := DecodeYAML("fuzz", data)
		if err == nil {
			for _, r := range rs {
				if err := Validate(r); err != nil {
					t.Fatalf("decoded resource does not validate: %v", err)
				}
				b, err := MarshalJSON(r)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := UnmarshalJSON(b); err != nil {
					t.Fatalf("round trip of %s: %v", b, err)
				}
			}
		}
		if r, err := UnmarshalJSON(data); err == nil {
			_ = Validate(r)
		}
	})
}
