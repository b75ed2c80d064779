package conformance

import (
	"context"
	"fmt"
	"regexp"
	"time"
)

// Level is how binding a requirement is (RFC 2119 words).
type Level string

const (
	Must   Level = "MUST"
	Should Level = "SHOULD"
	May    Level = "MAY"
)

// Profile groups requirements a user may run on their own.
type Profile string

const (
	ProfileCore       Profile = "core"
	ProfileRouting    Profile = "routing"
	ProfileSecurity   Profile = "security"
	ProfileResilience Profile = "resilience"
	ProfileScale      Profile = "scale"
)

// Profiles lists every profile in report order.
func Profiles() []Profile {
	return []Profile{ProfileCore, ProfileRouting, ProfileSecurity, ProfileResilience, ProfileScale}
}

// Area is the part of DESIGN §5 a requirement covers; it is the middle of the ID.
type Area string

// The areas of DESIGN §5. Every area has at least one requirement (a catalog test checks it).
const (
	AreaRegistration Area = "REG"   // zone registration and auth
	AreaOffline      Area = "OFFL"  // offline detection
	AreaPropagation  Area = "PROP"  // global → zone → proxy: create, update, delete, bulk
	AreaSync         Area = "SYNC"  // zone → global: dataplanes and ingresses
	AreaCrossZone    Area = "XZ"    // cross-zone routing via the ingress
	AreaLocality     Area = "LOC"   // locality preference and ordered failover
	AreaSplit        Area = "SPLIT" // traffic split across versions and zones
	AreaHeader       Area = "HDR"   // header and path routing
	AreaTimeout      Area = "TMO"   // timeouts and retries
	AreaSecurity     Area = "SEC"   // mTLS, plaintext refused, permissions
	AreaOutage       Area = "OUT"   // control-plane outages and restarts
	AreaPartition    Area = "PART"  // partitions and heal
	AreaUnreachable  Area = "UNR"   // a zone whose data plane is unreachable is avoided
	AreaLoad         Area = "LOAD"  // load with no errors in steady state
)

// Areas lists every area with its one-line meaning, in SPEC.md order.
func Areas() []struct {
	Area  Area
	Title string
} {
	return []struct {
		Area  Area
		Title string
	}{
		{AreaRegistration, "Zone registration and authentication"},
		{AreaOffline, "Offline detection"},
		{AreaPropagation, "Policy propagation global → zone → proxy"},
		{AreaSync, "Zone → global sync of dataplanes and ingresses"},
		{AreaCrossZone, "Cross-zone routing through the zone ingress"},
		{AreaLocality, "Locality preference and ordered failover"},
		{AreaSplit, "Traffic split across versions and zones"},
		{AreaHeader, "Header and path routing"},
		{AreaTimeout, "Timeouts and retries"},
		{AreaSecurity, "mTLS, plaintext refusal and traffic permissions"},
		{AreaOutage, "Control-plane outages and restarts"},
		{AreaPartition, "Partitions and heal"},
		{AreaUnreachable, "Unreachable zones are avoided"},
		{AreaLoad, "Load in steady state"},
	}
}

// Budget is how long an eventually-consistent check may take. Default is what the suite uses;
// Max is the documented ceiling an override may not exceed (a mesh slower than Max does not
// conform, however patient its user).
type Budget struct {
	Default time.Duration
	Max     time.Duration
}

// Requirement is one entry of the spec.
type Requirement struct {
	ID       string // MZ-<AREA>-NNN
	Title    string
	Level    Level
	Profile  Profile
	Features []Feature
	Budget   Budget
	// Description says what is checked and why a mesh user cares.
	Description string
	// Disruptive marks a requirement that kills, pauses or partitions components; the suite
	// runs those after the others so a slow recovery cannot bleed into unrelated checks.
	Disruptive bool
	// Check runs against a Target through T; it returns nil on success, an error saying what
	// was observed otherwise, or Skip(reason).
	Check func(ctx context.Context, t *T) error
}

var idPattern = regexp.MustCompile(`^MZ-([A-Z]+)-(\d{3})$`)

// Area is the area part of the ID.
func (r *Requirement) Area() Area {
	m := idPattern.FindStringSubmatch(r.ID)
	if m == nil {
		return ""
	}
	return Area(m[1])
}

// Validate checks one requirement value; the error names the field.
func (r *Requirement) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("requirement %q: %s: %s", r.ID, field, fmt.Sprintf(format, args...))
	}
	if !idPattern.MatchString(r.ID) {
		return bad("ID", "does not match MZ-<AREA>-NNN")
	}
	known := false
	for _, a := range Areas() {
		known = known || a.Area == r.Area()
	}
	if !known {
		return bad("ID", "area %q is not one of DESIGN §5's areas", r.Area())
	}
	if r.Title == "" {
		return bad("Title", "is empty")
	}
	switch r.Level {
	case Must, Should, May:
	default:
		return bad("Level", "%q is not MUST, SHOULD or MAY", r.Level)
	}
	okProfile := false
	for _, p := range Profiles() {
		okProfile = okProfile || p == r.Profile
	}
	if !okProfile {
		return bad("Profile", "%q is not a profile", r.Profile)
	}
	for i, f := range r.Features {
		if _, ok := featureDocs[f]; !ok {
			return bad(fmt.Sprintf("Features[%d]", i), "%q is not a known feature", f)
		}
	}
	if r.Budget.Default <= 0 {
		return bad("Budget.Default", "must be positive")
	}
	if r.Budget.Max < r.Budget.Default {
		return bad("Budget.Max", "%v is below the default %v", r.Budget.Max, r.Budget.Default)
	}
	if len(r.Description) < 40 {
		return bad("Description", "says too little (%d characters): what is checked and why", len(r.Description))
	}
	if r.Check == nil {
		return bad("Check", "is nil")
	}
	return nil
}
