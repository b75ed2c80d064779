package app

import (
	"strings"
	"testing"
)

// TestDNSFlagsRefuseBadValues: the VIP and DNS flags name the flag they refuse.
func TestDNSFlagsRefuseBadValues(t *testing.T) {
	common := []string{"--cp", "127.0.0.1:1", "--ca-file", "/nonexistent", "--token-file", "/nonexistent", "--zone", "zone-1", "--name", "web-1", "--outbound", "15432:db"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{append([]string{"dp", "--vip-port", "70000"}, common...), "--vip-port 70000"},
		{append([]string{"dp", "--mode", "ingress", "--vip-port", "80"}, common...), "sidecar mode only"},
		{[]string{"zone", "--vip-cidr", "fd00::/8", "--name", "z", "--global", "127.0.0.1:1", "--ca-file", "x", "--token-file", "x"}, "vip-cidr"},
		{[]string{"zone", "--vip-cidr", "127.64.0.0", "--name", "z", "--global", "127.0.0.1:1", "--ca-file", "x", "--token-file", "x"}, "want an IPv4 CIDR"},
	} {
		code, _, errs := run(t, "", c.args...)
		if code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want a failure naming %q", c.args, code, errs, c.want)
		}
	}
}
