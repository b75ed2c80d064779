package resource

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// FieldError is one problem with one field.
type FieldError struct {
	// Path is the field path, e.g. "spec.rules[0].split[1].weight".
	Path string
	Msg  string
	// Line is the YAML line of the field when the resource was decoded from YAML, else 0.
	Line int
}

func (e FieldError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", e.Line, e.Path, e.Msg)
	}
	return e.Path + ": " + e.Msg
}

// ValidationError lists every problem of one resource.
type ValidationError struct {
	Key    Key
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, f := range e.Errors {
		msgs[i] = f.Error()
	}
	return fmt.Sprintf("invalid %s: %s", e.Key, strings.Join(msgs, "; "))
}

type validator struct{ errs []FieldError }

func (v *validator) add(path, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Limits on sizes, so that no input can make a component allocate without bound.
const (
	MaxNameLen   = 253
	MaxListLen   = 1000
	MaxLabelsLen = 64
)

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
var resName = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$`)
var tagValue = regexp.MustCompile(`^[A-Za-z0-9_.*-]{1,253}$`)

func (v *validator) dnsLabel(path, s string) {
	switch {
	case s == "":
		v.add(path, "must not be empty")
	case !dnsLabel.MatchString(s):
		v.add(path, "%q must be a DNS label (lower case letters, digits and '-', at most 63)", s)
	}
}

func (v *validator) service(path, s string, wildcard bool) {
	if wildcard && s == MatchAll {
		return
	}
	v.dnsLabel(path, s)
}

func (v *validator) selector(path string, s Selector) { v.service(path+".service", s.Service, true) }

func (v *validator) port(path string, p int) {
	if p < 1 || p > 65535 {
		v.add(path, "port %d out of range 1..65535", p)
	}
}

func (v *validator) ip(path, s string, required bool) {
	if s == "" {
		if required {
			v.add(path, "must not be empty")
		}
		return
	}
	if _, err := netip.ParseAddr(s); err != nil {
		v.add(path, "%q is not an IP address", s)
	}
}

func (v *validator) host(path, s string) {
	if s == "" {
		v.add(path, "must not be empty")
		return
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return
	}
	if len(s) > MaxNameLen || !resName.MatchString(s) {
		v.add(path, "%q is neither an IP address nor a host name", s)
	}
}

func (v *validator) list(path string, n int) bool {
	if n > MaxListLen {
		v.add(path, "%d entries; at most %d", n, MaxListLen)
		return false
	}
	return true
}

func (v *validator) nonNegDuration(path string, d Duration) {
	if d.Duration < 0 {
		v.add(path, "must not be negative")
	}
}

func (v *validator) percentage(path string, p float64) {
	if p < 0 || p > 100 {
		v.add(path, "%v is not a percentage in 0..100", p)
	}
}

// Validate checks the envelope and the spec of r and returns a *ValidationError listing every
// problem, or nil.
func Validate(r *Resource) error {
	v := &validator{}
	info, ok := kinds[r.Kind]
	if !ok {
		v.add("kind", "unknown kind %q", r.Kind)
		return &ValidationError{Key: r.Key(), Errors: v.errs}
	}
	if r.Name == "" {
		v.add("name", "must not be empty")
	} else if len(r.Name) > MaxNameLen || !resName.MatchString(r.Name) {
		v.add("name", "%q must be lower case letters, digits, '-' and '.', at most %d", r.Name, MaxNameLen)
	}
	switch {
	case info.Scoped && r.Mesh == "":
		v.add("mesh", "must not be empty for %s", r.Kind)
	case info.Scoped:
		v.dnsLabel("mesh", r.Mesh)
	case r.Mesh != "":
		v.add("mesh", "must be empty: %s is not scoped to a mesh", r.Kind)
	}
	if len(r.Labels) > MaxLabelsLen {
		v.add("labels", "%d labels; at most %d", len(r.Labels), MaxLabelsLen)
	}
	for k, val := range r.Labels {
		if !tagValue.MatchString(k) || (val != "" && !tagValue.MatchString(val)) {
			v.add("labels."+k, "bad label %q=%q", k, val)
		}
	}
	if r.Spec == nil {
		v.add("spec", "must not be empty")
	} else {
		r.Spec.validate(v, "spec")
	}
	if len(v.errs) == 0 {
		return nil
	}
	return &ValidationError{Key: r.Key(), Errors: v.errs}
}

func (s *MeshSpec) validate(v *validator, p string) {
	v.nonNegDuration(p+".mtls.certTTL", s.MTLS.CertTTL)
}

func (s *ZoneSpec) validate(v *validator, p string) {}

func (s *DataplaneSpec) validate(v *validator, p string) {
	n := s.Networking
	p += ".networking"
	v.ip(p+".address", n.Address, true)
	v.ip(p+".outboundAddress", n.OutboundAddress, false)
	if n.OutboundPort != 0 {
		v.port(p+".outboundPort", n.OutboundPort)
	}
	if len(n.Inbound) == 0 && n.OutboundPort == 0 && len(n.Outbound) == 0 {
		v.add(p, "needs at least one inbound or outbound")
	}
	if v.list(p+".inbound", len(n.Inbound)) {
		seen := map[int]bool{}
		for i, in := range n.Inbound {
			ip := fmt.Sprintf("%s.inbound[%d]", p, i)
			v.port(ip+".port", in.Port)
			v.port(ip+".servicePort", in.ServicePort)
			v.ip(ip+".serviceAddress", in.ServiceAddress, false)
			if seen[in.Port] {
				v.add(ip+".port", "port %d used by two inbounds", in.Port)
			}
			seen[in.Port] = true
			v.service(ip+".tags.service", in.Tags[TagService], false)
			if ver, ok := in.Tags[TagVersion]; ok {
				v.dnsLabel(ip+".tags.version", ver)
			}
			if pr := in.Tags[TagProtocol]; pr != "" && pr != ProtocolHTTP && pr != ProtocolTCP {
				v.add(ip+".tags.protocol", "%q is not http or tcp", pr)
			}
			for k, val := range in.Tags {
				if !tagValue.MatchString(k) || !tagValue.MatchString(val) {
					v.add(ip+".tags."+k, "bad tag %q=%q", k, val)
				}
			}
		}
	}
	if v.list(p+".outbound", len(n.Outbound)) {
		for i, o := range n.Outbound {
			op := fmt.Sprintf("%s.outbound[%d]", p, i)
			v.port(op+".port", o.Port)
			v.ip(op+".address", o.Address, false)
			v.service(op+".service", o.Service, false)
		}
	}
}

func (s *ZoneIngressSpec) validate(v *validator, p string) {
	v.dnsLabel(p+".zone", s.Zone)
	n := s.Networking
	v.ip(p+".networking.address", n.Address, true)
	v.port(p+".networking.port", n.Port)
	if n.AdvertisedAddress != "" {
		v.host(p+".networking.advertisedAddress", n.AdvertisedAddress)
	}
	if n.AdvertisedPort != 0 {
		v.port(p+".networking.advertisedPort", n.AdvertisedPort)
	}
	if v.list(p+".availableServices", len(s.AvailableServices)) {
		for i, a := range s.AvailableServices {
			ap := fmt.Sprintf("%s.availableServices[%d]", p, i)
			v.dnsLabel(ap+".mesh", a.Mesh)
			v.service(ap+".tags.service", a.Tags[TagService], false)
			if a.Instances < 0 {
				v.add(ap+".instances", "must not be negative")
			}
		}
	}
}

func (v *validator) sources(p string, srcs []Selector, required bool) {
	if required && len(srcs) == 0 {
		v.add(p, "needs at least one source (use service: \"*\" for any)")
	}
	if v.list(p, len(srcs)) {
		for i, s := range srcs {
			v.selector(fmt.Sprintf("%s[%d]", p, i), s)
		}
	}
}

func (s *TrafficPermissionSpec) validate(v *validator, p string) {
	v.selector(p+".destination", s.Destination)
	v.sources(p+".sources", s.Sources, true)
	if s.Action != ActionAllow && s.Action != ActionDeny {
		v.add(p+".action", "%q must be allow or deny", s.Action)
	}
}

func (s *HTTPRouteSpec) validate(v *validator, p string) {
	v.selector(p+".destination", s.Destination)
	if s.Destination.Service == MatchAll {
		v.add(p+".destination.service", "an HTTPRoute needs one destination service, not \"*\"")
	}
	if len(s.Rules) == 0 {
		v.add(p+".rules", "needs at least one rule")
	}
	if !v.list(p+".rules", len(s.Rules)) {
		return
	}
	for i, r := range s.Rules {
		rp := fmt.Sprintf("%s.rules[%d]", p, i)
		if m := r.Match.Path; m != nil {
			switch {
			case (m.Prefix == "") == (m.Exact == ""):
				v.add(rp+".match.path", "set exactly one of prefix or exact")
			case m.Prefix != "" && !strings.HasPrefix(m.Prefix, "/"):
				v.add(rp+".match.path.prefix", "%q must start with /", m.Prefix)
			case m.Exact != "" && !strings.HasPrefix(m.Exact, "/"):
				v.add(rp+".match.path.exact", "%q must start with /", m.Exact)
			}
		}
		for j, h := range r.Match.Headers {
			hp := fmt.Sprintf("%s.match.headers[%d]", rp, j)
			if h.Name == "" {
				v.add(hp+".name", "must not be empty")
			}
			n := 0
			if h.Exact != "" {
				n++
			}
			if h.Prefix != "" {
				n++
			}
			if h.Present {
				n++
			}
			if n != 1 {
				v.add(hp, "set exactly one of exact, prefix or present")
			}
		}
		if len(r.Split) == 0 {
			v.add(rp+".split", "needs at least one destination")
		}
		total := 0
		for j, sp := range r.Split {
			sp2 := fmt.Sprintf("%s.split[%d]", rp, j)
			if sp.Version != "" {
				v.dnsLabel(sp2+".version", sp.Version)
			}
			if sp.Zone != "" {
				v.dnsLabel(sp2+".zone", sp.Zone)
			}
			if sp.Weight < 0 || sp.Weight > 1000 {
				v.add(sp2+".weight", "%d out of range 0..1000", sp.Weight)
			}
			total += sp.Weight
		}
		if len(r.Split) > 0 && total == 0 {
			v.add(rp+".split", "weights add up to 0")
		}
	}
}

func (s *TimeoutSpec) validate(v *validator, p string) {
	v.selector(p+".destination", s.Destination)
	v.nonNegDuration(p+".connect", s.Connect)
	v.nonNegDuration(p+".request", s.Request)
	v.nonNegDuration(p+".idle", s.Idle)
	if s.Connect.Duration == 0 && s.Request.Duration == 0 && s.Idle.Duration == 0 {
		v.add(p, "set at least one of connect, request or idle")
	}
}

var retryOn = map[string]bool{"5xx": true, "connect-failure": true, "gateway-error": true, "reset": true}

func (s *RetrySpec) validate(v *validator, p string) {
	v.selector(p+".destination", s.Destination)
	if s.Attempts < 1 || s.Attempts > 10 {
		v.add(p+".attempts", "%d out of range 1..10", s.Attempts)
	}
	v.nonNegDuration(p+".perTryTimeout", s.PerTryTimeout)
	for i, o := range s.On {
		if !retryOn[o] {
			v.add(fmt.Sprintf("%s.on[%d]", p, i), "%q is not one of 5xx, connect-failure, gateway-error, reset", o)
		}
	}
}

func (s *LoadBalancingSpec) validate(v *validator, p string) {
	v.selector(p+".destination", s.Destination)
	if s.Threshold < 0 || s.Threshold > 1 {
		v.add(p+".threshold", "%v out of range 0..1", s.Threshold)
	}
	if !v.list(p+".failover", len(s.Failover)) {
		return
	}
	for i, f := range s.Failover {
		fp := fmt.Sprintf("%s.failover[%d]", p, i)
		if f.From != MatchAll {
			v.dnsLabel(fp+".from", f.From)
		}
		if len(f.To) == 0 {
			v.add(fp+".to", "needs at least one zone")
		}
		for j, z := range f.To {
			v.dnsLabel(fmt.Sprintf("%s.to[%d]", fp, j), z)
		}
	}
}

func (s *OutlierDetectionSpec) validate(v *validator, p string) {
	v.selector(p+".destination", s.Destination)
	if s.Consecutive5xx < 0 || s.ConsecutiveGatewayFailure < 0 {
		v.add(p, "consecutive counts must not be negative")
	}
	if s.Consecutive5xx == 0 && s.ConsecutiveGatewayFailure == 0 {
		v.add(p, "set consecutive5xx or consecutiveGatewayFailure")
	}
	v.nonNegDuration(p+".interval", s.Interval)
	v.nonNegDuration(p+".baseEjectionTime", s.BaseEjectionTime)
	if s.MaxEjectionPercent < 0 || s.MaxEjectionPercent > 100 {
		v.add(p+".maxEjectionPercent", "%d out of range 0..100", s.MaxEjectionPercent)
	}
}

func (s *HealthCheckSpec) validate(v *validator, p string) {
	v.selector(p+".destination", s.Destination)
	if !strings.HasPrefix(s.Path, "/") {
		v.add(p+".path", "%q must start with /", s.Path)
	}
	if s.Interval.Duration <= 0 {
		v.add(p+".interval", "must be positive")
	}
	if s.Timeout.Duration <= 0 {
		v.add(p+".timeout", "must be positive")
	}
	if s.UnhealthyThreshold < 0 || s.HealthyThreshold < 0 {
		v.add(p, "thresholds must not be negative")
	}
}

func (s *FaultInjectionSpec) validate(v *validator, p string) {
	v.selector(p+".destination", s.Destination)
	v.sources(p+".sources", s.Sources, false)
	if s.Abort == nil && s.Delay == nil {
		v.add(p, "set abort or delay")
	}
	if a := s.Abort; a != nil {
		if a.HTTPStatus < 200 || a.HTTPStatus > 599 {
			v.add(p+".abort.httpStatus", "%d is not an HTTP status", a.HTTPStatus)
		}
		v.percentage(p+".abort.percentage", a.Percentage)
	}
	if d := s.Delay; d != nil {
		if d.Value.Duration <= 0 {
			v.add(p+".delay.value", "must be positive")
		}
		v.percentage(p+".delay.percentage", d.Percentage)
	}
}

func (s *MeshCASpec) validate(v *validator, p string) {
	if !strings.Contains(s.CertPEM, "BEGIN CERTIFICATE") {
		v.add(p+".certPEM", "is not a PEM certificate")
	}
	if !strings.Contains(s.KeyPEM, "PRIVATE KEY") {
		v.add(p+".keyPEM", "is not a PEM private key")
	}
}
