package kube

import (
	"encoding/json"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// Paths inside the injected container.
const (
	caMountPath    = "/var/run/zonemesh/ca"
	tokenMountPath = "/var/run/zonemesh/token"
	// AnnotationInjected records that the webhook changed the Pod.
	AnnotationInjected = "zonemesh.io/injected"
)

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// InjectPatch returns the JSON patch that adds the `zonemesh dp` sidecar to pod, or nil
// when the Pod already has it. The sidecar's name, inbound and address come from the
// Pod itself at run time (downward API), so the patch does not depend on the Pod's name,
// which is often not known yet at admission.
func InjectPatch(pod *corev1.Pod, namespace string, sc SidecarConfig) ([]byte, error) {
	for _, c := range pod.Spec.Containers {
		if c.Name == SidecarName {
			return nil, nil
		}
	}
	sc = sc.withDefaults()
	ctr, err := SidecarContainer(pod, sc)
	if err != nil {
		return nil, err
	}
	ops := []patchOp{{Op: "add", Path: "/spec/containers/-", Value: ctr}}
	vols := []corev1.Volume{
		{Name: "zonemesh-ca", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: sc.CAConfigMap}}}},
		{Name: "zonemesh-token", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: sc.TokenSecret}}},
	}
	if len(pod.Spec.Volumes) == 0 {
		ops = append(ops, patchOp{Op: "add", Path: "/spec/volumes", Value: vols})
	} else {
		for _, v := range vols {
			ops = append(ops, patchOp{Op: "add", Path: "/spec/volumes/-", Value: v})
		}
	}
	if pod.Annotations == nil {
		ops = append(ops, patchOp{Op: "add", Path: "/metadata/annotations", Value: map[string]string{AnnotationInjected: "true"}})
	} else {
		ops = append(ops, patchOp{Op: "add", Path: "/metadata/annotations/zonemesh.io~1injected", Value: "true"})
	}
	return json.Marshal(ops)
}

func (sc SidecarConfig) withDefaults() SidecarConfig {
	if sc.CAConfigMap == "" {
		sc.CAConfigMap = CAConfigMapName
	}
	if sc.TokenSecret == "" {
		sc.TokenSecret = TokenSecretName
	}
	if sc.OutboundPort == 0 {
		sc.OutboundPort = 15001
	}
	return sc
}

// SidecarContainer is the injected container for pod.
func SidecarContainer(pod *corev1.Pod, sc SidecarConfig) (corev1.Container, error) {
	sc = sc.withDefaults()
	mesh := pod.Annotations[AnnotationMesh]
	if mesh == "" {
		mesh = DefaultMesh
	}
	args := []string{"dp", "--mode=sidecar", "--cp=" + sc.CPAddress,
		"--ca-file=" + caMountPath + "/" + CAKey, "--token-file=" + tokenMountPath + "/" + TokenKey,
		"--name=$(POD_NAME).$(POD_NAMESPACE)", "--mesh=" + mesh, "--zone=" + sc.Zone,
		// The Pod's own loopback, spelled out (these are the defaults) so that a node agent
		// without network namespaces (harness/kubetest/nodeagent) can map it to the Pod's address.
		"--address=$(POD_IP)", "--app-address=127.0.0.1", "--outbound-address=127.0.0.1",
		"--outbound-port=" + strconv.Itoa(sc.OutboundPort), "--admin=127.0.0.1:9901"}
	if svc := pod.Labels[LabelService]; svc != "" {
		port := pod.Annotations[AnnotationPort]
		if port == "" {
			return corev1.Container{}, fmt.Errorf("pod labelled %s=%s needs annotation %s (the app's port)", LabelService, svc, AnnotationPort)
		}
		if _, err := parsePort(port); err != nil {
			return corev1.Container{}, fmt.Errorf("annotation %s: %w", AnnotationPort, err)
		}
		in := pod.Annotations[AnnotationInboundPort]
		if in == "" {
			in = strconv.Itoa(DefaultInboundPort)
		}
		proto := pod.Annotations[AnnotationProtocol]
		if proto == "" {
			proto = "http"
		}
		args = append(args, fmt.Sprintf("--inbound=%s:%s:%s:%s:%s", in, port, svc, pod.Labels[LabelVersion], proto))
	}
	field := func(name, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
	}
	return corev1.Container{
		Name:            SidecarName,
		Image:           sc.Image,
		ImagePullPolicy: corev1.PullIfNotPresent,
		Args:            args,
		Env:             []corev1.EnvVar{field("POD_NAME", "metadata.name"), field("POD_NAMESPACE", "metadata.namespace"), field("POD_IP", "status.podIP")},
		VolumeMounts: []corev1.VolumeMount{{Name: "zonemesh-ca", MountPath: caMountPath, ReadOnly: true},
			{Name: "zonemesh-token", MountPath: tokenMountPath, ReadOnly: true}},
	}, nil
}
