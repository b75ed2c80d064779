package kubetest

import (
	"fmt"
	"os"
	"path/filepath"
)

// Version is the Kubernetes release the cached binaries are built from; it matches the
// client-go minor the main module uses.
const Version = "v1.37.2"

// BinDir is where scripts/ensure-kubeenv.sh puts the binaries:
// $ZONEMESH_KUBEENV_DIR/bin, else ${XDG_CACHE_HOME:-$HOME/.cache}/zonemesh/kubeenv/<Version>/bin.
func BinDir() string {
	if d := os.Getenv("ZONEMESH_KUBEENV_DIR"); d != "" {
		return filepath.Join(d, "bin")
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, _ := os.UserHomeDir()
		cache = filepath.Join(home, ".cache")
	}
	return filepath.Join(cache, "zonemesh", "kubeenv", Version, "bin")
}

// Missing names the first cached file that is absent ("" when all are there). withKwok
// also requires kwok and its stage file.
func Missing(withKwok bool) string { return missing(Options{Kwok: withKwok}) }

// MissingFor is Missing for what opts start.
func MissingFor(opts Options) string { return missing(opts) }

func missing(opts Options) string {
	files := []string{"etcd", "kube-apiserver"}
	if opts.Kwok {
		files = append(files, "kwok", "kwok-stages.yaml")
	}
	if opts.Controllers {
		files = append(files, "kube-controller-manager")
	}
	for _, f := range files {
		p := filepath.Join(BinDir(), f)
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			return fmt.Sprintf("%s not built (run scripts/ensure-kubeenv.sh)", p)
		}
	}
	return ""
}
