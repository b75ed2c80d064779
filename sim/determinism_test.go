package sim

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"testing"
)

func runJSON(t *testing.T, c Config) []byte {
	t.Helper()
	r, err := Run(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Same config and seed → the same bytes, whatever GOMAXPROCS is; another seed → other bytes.
func TestDeterministic(t *testing.T) {
	c := faultConfig()
	c.Zones = 10
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one := runJSON(t, c)
	// The cycle factor draws from the model's stream: still deterministic, and it changes the
	// result.
	cf := c
	cf.Costs.CycleFactor = LogNormalMean(1, 0.4)
	slowed := runJSON(t, cf)
	if !bytes.Equal(slowed, runJSON(t, cf)) {
		t.Fatal("two runs with a cycle factor and the same seed differ")
	}
	if bytes.Equal(one, slowed) {
		t.Fatal("a cycle factor changed nothing")
	}
	again := runJSON(t, c)
	runtime.GOMAXPROCS(2)
	two := runJSON(t, c)
	if !bytes.Equal(one, again) {
		t.Fatal("two runs with the same seed differ")
	}
	if !bytes.Equal(one, two) {
		t.Fatal("GOMAXPROCS 1 and 2 give different results")
	}
	c.Seed++
	if bytes.Equal(one, runJSON(t, c)) {
		t.Fatal("a different seed gave identical results")
	}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	for _, tc := range []struct {
		edit  func(*Config)
		field string
	}{
		{func(c *Config) { c.Zones = 0 }, "zones"},
		{func(c *Config) { c.WAN.Loss = 1.5 }, "wan.loss"},
		{func(c *Config) { c.ProxiesPerZone = Dist{Kind: "zipf"} }, "proxiesPerZone"},
		{func(c *Config) { c.Costs.ProxyPush.Base = Dist{Kind: Gamma, Shape: -1, Rate: 1} }, "costs.proxyPush"},
		{func(c *Config) { c.Faults = []Fault{{Kind: Crash, At: 1, Duration: 1, Zones: []int{99}}} }, "faults[0].zones"},
		{func(c *Config) { c.Timers.Keepalive = 0 }, "timers.keepalive"},
		{func(c *Config) { c.Costs.CycleFactor = Dist{Kind: LogNormal, Sigma: -1} }, "costs.cycleFactor"},
	} {
		c := Defaults()
		tc.edit(&c)
		if _, err := Run(c, nil); err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.field)) {
			t.Errorf("error %v does not name %s", err, tc.field)
		}
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := faultConfig()
	c.ChurnRate = 200 // enough events to reach a cancellation check
	if _, err := RunContext(ctx, c, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}
