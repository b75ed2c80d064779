package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/moby/moby/client"
	tc "github.com/testcontainers/testcontainers-go"

	"github.com/zonemesh/zonemesh/images"
)

// ImageRepo is the repository of the locally built image; the tag is a prefix of the binary's
// SHA-256, so a changed binary gets a new image and an unchanged one is never rebuilt.
const ImageRepo = "zonemesh"

// LabelImage marks images this package built (zonemesh clean --images removes them).
const LabelImage = "zonemesh.image"

// ErrDynamic is returned for a binary that needs a dynamic loader: FROM scratch has none.
var ErrDynamic = errors.New("docker: binary is dynamically linked; build it with CGO_ENABLED=0")

// ImageRef is the reference of the image holding binary: "zonemesh:<12 hex digits>".
func ImageRef(binary string) (string, error) {
	f, err := os.Open(binary)
	if err != nil {
		return "", fmt.Errorf("docker: image: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("docker: image: hash %s: %w", binary, err)
	}
	return ImageRepo + ":" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// checkStatic refuses an executable with an ELF interpreter (a dynamic loader).
func checkStatic(binary string) error {
	f, err := elf.Open(binary)
	if err != nil {
		return fmt.Errorf("docker: %s is not a Linux executable: %w", binary, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%w (%s)", ErrDynamic, binary)
		}
	}
	return nil
}

// EnsureImage returns the image of binary, building it when the engine does not have it yet.
// built tells whether a build ran. The build uses the classic builder with a context of two
// files (the embedded Dockerfile and the binary), so it never touches a registry.
func EnsureImage(ctx context.Context, cli *tc.DockerClient, binary string, buildLog io.Writer) (ref string, built bool, err error) {
	if err := checkStatic(binary); err != nil {
		return "", false, err
	}
	ref, err = ImageRef(binary)
	if err != nil {
		return "", false, err
	}
	if _, err := cli.ImageInspect(ctx, ref); err == nil {
		return ref, false, nil
	}
	archive, err := buildContext(binary)
	if err != nil {
		return "", false, err
	}
	if buildLog == nil {
		buildLog = io.Discard
	}
	prov, err := tc.NewDockerProvider()
	if err != nil {
		return "", false, fmt.Errorf("docker: %w", err)
	}
	defer prov.Close()
	// BuildImage retries until ctx ends; a deadline keeps a broken engine from hanging the run.
	bctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	repo, tag := ref[:len(ImageRepo)], ref[len(ImageRepo)+1:]
	_, err = prov.BuildImage(bctx, &tc.ContainerRequest{FromDockerfile: tc.FromDockerfile{
		ContextArchive: bytes.NewReader(archive), Dockerfile: "Dockerfile", Repo: repo, Tag: tag, KeepImage: true,
		BuildLogWriter: buildLog,
		BuildOptionsModifier: func(o *client.ImageBuildOptions) {
			o.PullParent = false
			o.Remove = true
			if o.Labels == nil {
				o.Labels = map[string]string{}
			}
			o.Labels[LabelImage] = "true"
		},
	}})
	if err != nil {
		return "", false, fmt.Errorf("docker: build %s: %w", ref, err)
	}
	return ref, true, nil
}

// buildContext is the tar the engine builds from.
func buildContext(binary string) ([]byte, error) {
	bin, err := os.ReadFile(binary)
	if err != nil {
		return nil, fmt.Errorf("docker: image: %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{{"Dockerfile", 0o644, images.Zonemesh}, {"zonemesh", 0o755, bin}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
