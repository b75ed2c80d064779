package nodeagent

import "testing"

func TestExpandFollowsKubernetesRules(t *testing.T) {
	env := map[string]string{"POD_NAME": "web-1", "POD_NAMESPACE": "shop"}
	for in, want := range map[string]string{
		"--name=$(POD_NAME).$(POD_NAMESPACE)": "--name=web-1.shop",
		"$(UNDEFINED)-x":                      "$(UNDEFINED)-x",
		"$$(POD_NAME)":                        "$(POD_NAME)",
		"cost $5":                             "cost $5",
		"$(unterminated":                      "$(unterminated",
	} {
		if got := expand(in, env); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMapLoopbackOnlyWholeHosts(t *testing.T) {
	ip := "127.77.0.9"
	for in, want := range map[string]string{
		"--admin=127.0.0.1:9901":      "--admin=127.77.0.9:9901",
		"--listen=0.0.0.0:8080":       "--listen=127.77.0.9:8080",
		"http://localhost:8080/ready": "http://127.77.0.9:8080/ready",
		"127.0.0.1":                   "127.77.0.9",
		"--cp=127.0.0.10:5678":        "--cp=127.0.0.10:5678",
		"--cp=10.127.0.0.1:1":         "--cp=10.127.0.0.1:1",
		"--host=mylocalhost":          "--host=mylocalhost",
		"127.0.0.1,127.0.0.1":         "127.77.0.9,127.77.0.9",
	} {
		if got := mapLoopback(in, ip); got != want {
			t.Errorf("mapLoopback(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMapMountsLongestPathFirst(t *testing.T) {
	mounts := map[string]string{"/var/run/zonemesh": "/h/a", "/var/run/zonemesh/ca": "/h/ca"}
	for in, want := range map[string]string{
		"--ca-file=/var/run/zonemesh/ca/ca.pem": "--ca-file=/h/ca/ca.pem",
		"/var/run/zonemesh/token":               "/h/a/token",
		"--x=/var/run/zonemeshy":                "--x=/var/run/zonemeshy",
		"/etc/other":                            "/etc/other",
	} {
		if got := mapMounts(in, mounts); got != want {
			t.Errorf("mapMounts(%q) = %q, want %q", in, got, want)
		}
	}
}
