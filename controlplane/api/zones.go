package api

import (
	"errors"
	"net/http"
	"sort"
)

func (s *Server) zones(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Zones == nil {
		return withStatus(http.StatusNotImplemented, "", errors.New("zone status is not available on this control plane"))
	}
	zs, err := s.opts.Zones.ZoneStatuses(r.Context())
	if err != nil {
		return err
	}
	if zs == nil {
		zs = []ZoneStatus{}
	}
	sort.Slice(zs, func(i, j int) bool { return zs[i].Name < zs[j].Name })
	writeJSON(w, http.StatusOK, zoneList{Zones: zs})
	return nil
}

type zoneList struct {
	Zones []ZoneStatus `json:"zones"`
}

func (s *Server) inspectDataplane(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Proxies == nil {
		return withStatus(http.StatusNotImplemented, "", errors.New("proxy configs are not available on this control plane"))
	}
	mesh := r.PathValue("mesh")
	if mesh == NoMesh {
		mesh = ""
	}
	pc, err := s.opts.Proxies.ProxyConfig(r.Context(), mesh, r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pc)
	return nil
}
