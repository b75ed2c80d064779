package kube

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/zonemesh/zonemesh/controlplane/kube/crds"
)

// Ports of the control plane inside a cluster.
const (
	PortAPI          = 5681
	PortXDS          = 5678
	PortKDS          = 5685
	PortWebhook      = 8443
	PortIngress      = 10001
	ControlPlaneName = "zonemesh-control-plane"
	IngressName      = "zonemesh-ingress"
	DefaultNamespace = "zonemesh-system"
	DefaultImage     = "zonemesh/zonemesh:dev"
)

// InstallOptions describe `zonemesh install control-plane`.
type InstallOptions struct {
	// Mode is "global" or "zone".
	Mode string
	// Zone and GlobalAddress (host:port of global's KDS) are required in zone mode.
	Zone, GlobalAddress string
	Namespace, Image    string
	// SeedSecret (global mode) names a Secret whose keys admin-token, ca.pem, ca-key.pem
	// and zone-token-signing.pem are mounted into global's data directory, so whoever
	// installs global knows its admin token, CA and zone-token key beforehand.
	SeedSecret string
	// IngressServiceType exposes the zone ingress (NodePort by default, so other zones
	// reach it on a node address; LoadBalancer on clouds).
	IngressServiceType corev1.ServiceType
	// KDSServiceType exposes global's KDS to zones in other clusters (global mode; NodePort
	// by default, or LoadBalancer) through Service zonemesh-global-kds; KDSNodePort fixes
	// the node port (0: the cluster picks one). KDSHosts are the names and addresses zones
	// dial, added to global's KDS certificate.
	KDSServiceType corev1.ServiceType
	KDSNodePort    int
	KDSHosts       []string
}

// GlobalKDSServiceName is the Service exposing global's KDS outside its cluster.
const GlobalKDSServiceName = "zonemesh-global-kds"

func (o *InstallOptions) defaults() error {
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.Image == "" {
		o.Image = DefaultImage
	}
	if o.IngressServiceType == "" {
		o.IngressServiceType = corev1.ServiceTypeNodePort
	}
	if o.KDSServiceType == "" {
		o.KDSServiceType = corev1.ServiceTypeNodePort
	}
	switch o.Mode {
	case "global":
		switch o.KDSServiceType {
		case corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
		default:
			return fmt.Errorf("install: --kds-service-type %q: want NodePort or LoadBalancer", o.KDSServiceType)
		}
		if o.KDSNodePort != 0 && (o.KDSNodePort < 1 || o.KDSNodePort > 65535) {
			return fmt.Errorf("install: --kds-node-port %d: want a port (1-65535), inside the cluster's node port range", o.KDSNodePort)
		}
	case "zone":
		if o.Zone == "" {
			return errors.New("install: --zone is required in zone mode")
		}
		if _, _, err := net.SplitHostPort(o.GlobalAddress); err != nil {
			return fmt.Errorf("install: --global-address %q: want host:port", o.GlobalAddress)
		}
	default:
		return fmt.Errorf("install: --mode %q: want global or zone", o.Mode)
	}
	return nil
}

// Manifests renders the control plane's manifests as one YAML stream, in apply order:
// namespace, CRDs (zone), RBAC, Deployments, Services, webhook configuration (zone).
func Manifests(o InstallOptions) ([]byte, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	var objs []any
	objs = append(objs, &corev1.Namespace{TypeMeta: tm("v1", "Namespace"), ObjectMeta: om(o.Namespace, "", nil)})
	objs = append(objs, rbac(o)...)
	objs = append(objs, controlPlane(o)...)
	if o.Mode == "global" {
		objs = append(objs, globalKDSService(o))
	}
	if o.Mode == "zone" {
		objs = append(objs, ingress(o)...)
		// The caBundle is filled in by the control plane when its webhook starts.
		objs = append(objs, webhookConfiguration(nil, webhookClientConfig(o)))
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# zonemesh control plane, %s mode. Apply with: kubectl apply --server-side -f -\n", o.Mode)
	if o.Mode == "zone" {
		buf.Write(crds.YAML)
	}
	for _, obj := range objs {
		b, err := yaml.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("install: %w", err)
		}
		buf.WriteString("---\n")
		buf.Write(b)
	}
	return buf.Bytes(), nil
}

func webhookClientConfig(o InstallOptions) admissionregistrationv1.WebhookClientConfig {
	path, port := injectPath, int32(PortWebhook)
	return admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Name: ControlPlaneName, Namespace: o.Namespace, Path: &path, Port: &port}}
}

func tm(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

func om(name, ns string, labels map[string]string) metav1.ObjectMeta {
	l := map[string]string{"app.kubernetes.io/part-of": "zonemesh"}
	for k, v := range labels {
		l[k] = v
	}
	return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: l}
}

func rbac(o InstallOptions) []any {
	sa := &corev1.ServiceAccount{TypeMeta: tm("v1", "ServiceAccount"), ObjectMeta: om(ControlPlaneName, o.Namespace, nil)}
	if o.Mode == "global" { // global keeps its state in its own file store
		return []any{sa}
	}
	read := []string{"get", "list", "watch"}
	role := &rbacv1.ClusterRole{TypeMeta: tm("rbac.authorization.k8s.io/v1", "ClusterRole"),
		ObjectMeta: om(ControlPlaneName+"-"+o.Zone, "", nil),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{crds.Group}, Resources: []string{"*"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}},
			{APIGroups: []string{""}, Resources: []string{"pods", "services", "namespaces"}, Verbs: read},
			{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: read},
			// The CA ConfigMap and namespace token Secret of each namespace labelled for injection.
			{APIGroups: []string{""}, Resources: []string{"configmaps", "secrets"}, Verbs: []string{"get", "list", "watch", "create", "update"}},
			{APIGroups: []string{"admissionregistration.k8s.io"}, Resources: []string{"mutatingwebhookconfigurations"}, Verbs: []string{"get", "create", "update", "patch"}},
			{APIGroups: []string{"apiextensions.k8s.io"}, Resources: []string{"customresourcedefinitions"}, Verbs: []string{"get", "list", "watch", "create", "patch"}},
		}}
	binding := &rbacv1.ClusterRoleBinding{TypeMeta: tm("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
		ObjectMeta: om(ControlPlaneName+"-"+o.Zone, "", nil),
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa.Name, Namespace: o.Namespace}}}
	return []any{sa, role, binding}
}

func controlPlane(o InstallOptions) []any {
	labels := map[string]string{"app": ControlPlaneName}
	args := []string{"global", "--data-dir=/var/lib/zonemesh", "--api-addr=0.0.0.0:" + strconv.Itoa(PortAPI),
		"--kds-addr=0.0.0.0:" + strconv.Itoa(PortKDS), "--kds-host=" + ControlPlaneName + "." + o.Namespace + ".svc"}
	for _, h := range o.KDSHosts {
		args = append(args, "--kds-host="+h)
	}
	ports := []corev1.ServicePort{{Name: "api", Port: PortAPI}, {Name: "kds", Port: PortKDS}}
	if o.Mode == "zone" {
		args = []string{"zone", "--mode=kubernetes", "--name=" + o.Zone, "--global=" + o.GlobalAddress,
			"--ca-file=/etc/zonemesh/global/ca.pem", "--token-file=/etc/zonemesh/global/zone-token",
			"--data-dir=/var/lib/zonemesh", "--api-addr=0.0.0.0:" + strconv.Itoa(PortAPI),
			"--xds-addr=0.0.0.0:" + strconv.Itoa(PortXDS), "--xds-host=" + ControlPlaneName + "." + o.Namespace + ".svc",
			"--webhook-addr=0.0.0.0:" + strconv.Itoa(PortWebhook), "--webhook-service=" + ControlPlaneName + "." + o.Namespace,
			"--sidecar-image=" + o.Image, "--system-namespace=" + o.Namespace}
		ports = []corev1.ServicePort{{Name: "api", Port: PortAPI}, {Name: "xds", Port: PortXDS}, {Name: "webhook", Port: PortWebhook}}
	}
	var cports []corev1.ContainerPort
	for _, p := range ports {
		cports = append(cports, corev1.ContainerPort{Name: p.Name, ContainerPort: p.Port})
	}
	pod := corev1.PodSpec{ServiceAccountName: ControlPlaneName,
		Containers: []corev1.Container{{Name: "control-plane", Image: o.Image, ImagePullPolicy: corev1.PullIfNotPresent,
			Args: args, Ports: cports,
			VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/var/lib/zonemesh"}}}},
		Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}}
	if o.Mode == "global" && o.SeedSecret != "" {
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: "seed", VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: o.SeedSecret}}})
		for key, path := range map[string]string{"admin-token": "admin-token", "ca.pem": "ca/ca.pem",
			"ca-key.pem": "ca/ca-key.pem", "zone-token-signing.pem": "zone-token-signing.pem"} {
			pod.Containers[0].VolumeMounts = append(pod.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "seed",
				MountPath: "/var/lib/zonemesh/" + path, SubPath: key, ReadOnly: true})
		}
		sort.Slice(pod.Containers[0].VolumeMounts, func(i, j int) bool {
			return pod.Containers[0].VolumeMounts[i].MountPath < pod.Containers[0].VolumeMounts[j].MountPath
		})
	}
	if o.Mode == "zone" {
		pod.Containers[0].VolumeMounts = append(pod.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "global", MountPath: "/etc/zonemesh/global", ReadOnly: true})
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: "global", VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: "zonemesh-global"}}})
	}
	for i := range ports {
		ports[i].TargetPort = intstr.FromInt32(ports[i].Port)
	}
	one := int32(1)
	dep := &appsv1.Deployment{TypeMeta: tm("apps/v1", "Deployment"), ObjectMeta: om(ControlPlaneName, o.Namespace, labels),
		Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: pod}}}
	svc := &corev1.Service{TypeMeta: tm("v1", "Service"), ObjectMeta: om(ControlPlaneName, o.Namespace, labels),
		Spec: corev1.ServiceSpec{Selector: labels, Ports: ports}}
	return []any{dep, svc}
}

func ingress(o InstallOptions) []any {
	labels := map[string]string{"app": IngressName}
	env := func(name, path string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}}
	}
	one := int32(1)
	dep := &appsv1.Deployment{TypeMeta: tm("apps/v1", "Deployment"), ObjectMeta: om(IngressName, o.Namespace, labels),
		Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "ingress", Image: o.Image, ImagePullPolicy: corev1.PullIfNotPresent,
					Args: []string{"dp", "--mode=ingress", "--cp=" + ControlPlaneName + "." + o.Namespace + ".svc:" + strconv.Itoa(PortXDS),
						"--ca-file=/var/run/zonemesh/ca/ca.pem", "--token-file=/var/run/zonemesh/token/token",
						"--name=$(POD_NAME)." + o.Namespace, "--zone=" + o.Zone, "--address=0.0.0.0", "--port=" + strconv.Itoa(PortIngress),
						"--advertised-address=$(HOST_IP)", "--admin=127.0.0.1:9901"},
					Env:   []corev1.EnvVar{env("POD_NAME", "metadata.name"), env("HOST_IP", "status.hostIP")},
					Ports: []corev1.ContainerPort{{Name: "ingress", ContainerPort: PortIngress}},
					VolumeMounts: []corev1.VolumeMount{{Name: "zonemesh-ca", MountPath: "/var/run/zonemesh/ca", ReadOnly: true},
						{Name: "zonemesh-token", MountPath: "/var/run/zonemesh/token", ReadOnly: true}}}},
				Volumes: []corev1.Volume{
					{Name: "zonemesh-ca", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "zonemesh-ca"}}}},
					{Name: "zonemesh-token", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "zonemesh-ingress-token"}}}},
			}}}}
	svc := &corev1.Service{TypeMeta: tm("v1", "Service"), ObjectMeta: om(IngressName, o.Namespace, labels),
		Spec: corev1.ServiceSpec{Type: o.IngressServiceType, Selector: labels,
			Ports: []corev1.ServicePort{{Name: "ingress", Port: PortIngress, TargetPort: intstr.FromInt32(PortIngress)}}}}
	return []any{dep, svc}
}

// globalKDSService exposes only global's KDS port (not its API) to other clusters.
func globalKDSService(o InstallOptions) *corev1.Service {
	labels := map[string]string{"app": ControlPlaneName}
	return &corev1.Service{TypeMeta: tm("v1", "Service"), ObjectMeta: om(GlobalKDSServiceName, o.Namespace, labels),
		Spec: corev1.ServiceSpec{Type: o.KDSServiceType, Selector: labels,
			Ports: []corev1.ServicePort{{Name: "kds", Port: PortKDS, TargetPort: intstr.FromInt32(PortKDS), NodePort: int32(o.KDSNodePort)}}}}
}
