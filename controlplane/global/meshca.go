package global

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/ca"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/controlplane/store"
)

// meshCAName is the name of the MeshCA resource of every mesh.
const meshCAName = "ca"

// meshCATTL is the lifetime of a mesh's CA certificate.
const meshCATTL = 10 * 365 * 24 * time.Hour

// ensureMeshCA creates the CA of a mesh with mTLS enabled when it has none. It runs on
// global only: zones receive the MeshCA through KDS and issue proxy certificates from it.
func ensureMeshCA(ctx context.Context, st store.Store, mesh *resource.Resource, clock func() time.Time, log *slog.Logger) error {
	spec, ok := mesh.Spec.(*resource.MeshSpec)
	if !ok || !spec.MTLS.Enabled {
		return nil
	}
	key := resource.Key{Kind: resource.KindMeshCA, Mesh: mesh.Name, Name: meshCAName}
	if _, err := st.Get(ctx, key); err == nil {
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	certPEM, keyPEM, err := ca.NewCA("zonemesh mesh "+mesh.Name, meshCATTL, ca.Clock(clock))
	if err != nil {
		return fmt.Errorf("mesh %s: create CA: %w", mesh.Name, err)
	}
	r := &resource.Resource{Kind: resource.KindMeshCA, Meta: resource.Meta{Mesh: mesh.Name, Name: meshCAName, Origin: resource.OriginGlobal},
		Spec: &resource.MeshCASpec{CertPEM: string(certPEM), KeyPEM: string(keyPEM)}}
	if _, err := st.Put(ctx, r); err != nil {
		return fmt.Errorf("mesh %s: store CA: %w", mesh.Name, err)
	}
	log.Info("created mesh CA", "mesh", mesh.Name)
	return nil
}
