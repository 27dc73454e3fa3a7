package resources

// addPodTemplate applies the TaskRun's podTemplate to the pod spec. Its
// env is applied per container (templateEnv).
func (b *builder) addPodTemplate() error {
	t := b.in.TaskRun.Spec.PodTemplate
	if t == nil {
		return nil
	}
	t = t.DeepCopy()
	s := &b.pod.Spec
	s.NodeSelector = t.NodeSelector
	s.Tolerations = t.Tolerations
	s.Affinity = t.Affinity
	s.SecurityContext = t.SecurityContext
	s.ImagePullSecrets = t.ImagePullSecrets
	s.HostAliases = t.HostAliases
	s.SchedulerName = t.SchedulerName
	s.RuntimeClassName = t.RuntimeClassName
	s.DNSConfig = t.DNSConfig
	s.EnableServiceLinks = t.EnableServiceLinks
	s.HostNetwork = t.HostNetwork
	s.HostUsers = t.HostUsers
	s.TopologySpreadConstraints = t.TopologySpreadConstraints
	s.AutomountServiceAccountToken = t.AutomountServiceAccountToken
	if t.PriorityClassName != nil {
		s.PriorityClassName = *t.PriorityClassName
	}
	if t.DNSPolicy != nil {
		s.DNSPolicy = *t.DNSPolicy
	}
	for _, v := range t.Volumes {
		if err := b.addVolume(v, "podTemplate volumes"); err != nil {
			return err
		}
	}
	return nil
}
