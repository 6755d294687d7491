package http

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"upgrades/application"
)

type anomalyJSON struct {
	Kind      string  `json:"kind"`
	Subject   string  `json:"subject"`
	At        string  `json:"at"`
	EventID   *string `json:"event_id"`
	EventType *string `json:"event_type"`
	UpgradeID *int64  `json:"upgrade_id"`
	Detail    string  `json:"detail"`
	CanReplay bool    `json:"can_replay"`
	CanRefund bool    `json:"can_refund"`
}

func anomalyOut(a application.Anomaly) anomalyJSON {
	out := anomalyJSON{Kind: a.Kind, Subject: a.Subject, At: rfc3339(a.At), Detail: a.Detail, CanReplay: a.CanReplay, CanRefund: a.CanRefund}
	if a.EventID != "" {
		out.EventID, out.EventType = &a.EventID, &a.EventType
	}
	if a.UpgradeID != 0 {
		id := int64(a.UpgradeID)
		out.UpgradeID = &id
	}
	return out
}

// anomaliesPage is the owners' list of what needs them.
type anomaliesPage struct {
	Items    []application.Anomaly
	Resolved string // the subject just resolved, said at the top
	Replayed string // the event just replayed
}

func (h *handlers) anomalies(c *gin.Context) {
	list, err := h.app.ListAnomalies.Handle(c.Request.Context(), application.ListAnomalies{ViewerID: viewerID(c)})
	if err != nil {
		h.fail(c, err)
		return
	}
	if wantsJSON(c) {
		out := struct {
			Anomalies []anomalyJSON `json:"anomalies"`
		}{make([]anomalyJSON, len(list))}
		for i, a := range list {
			out.Anomalies[i] = anomalyOut(a)
		}
		c.JSON(http.StatusOK, out)
		return
	}
	h.page(c, http.StatusOK, "anomalies.html", "Anomalies", anomaliesPage{Items: list, Resolved: c.Query("resolved"), Replayed: c.Query("replayed")})
}

// resolveAnomaly marks an anomaly resolved with the owner's note.
func (h *handlers) resolveAnomaly(c *gin.Context) {
	in, err := readInput(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	cmd := application.ResolveAnomaly{By: application.Actor{ID: viewerID(c)}, Subject: in.get("subject"), Note: in.get("note")}
	if err := in.check(); err != nil {
		h.fail(c, err)
		return
	}
	if err := h.app.ResolveAnomaly.Handle(c.Request.Context(), cmd); err != nil {
		h.fail(c, err)
		return
	}
	if wantsJSON(c) {
		c.JSON(http.StatusOK, gin.H{"subject": cmd.Subject, "resolved": true})
		return
	}
	c.Redirect(http.StatusSeeOther, "/anomalies?resolved="+url.QueryEscape(cmd.Subject))
}

// replayEvent applies a stored event again, for an owner.
func (h *handlers) replayEvent(c *gin.Context) {
	in, err := readOptionalInput(c)
	if err != nil {
		h.fail(c, err)
		return
	}
	cmd := application.ReplayEvent{By: application.Actor{ID: viewerID(c)}, ID: c.Param("id"), Reason: in.get("reason")}
	if err := in.check(); err != nil {
		h.fail(c, err)
		return
	}
	r, err := h.app.ReplayEvent.Handle(c.Request.Context(), cmd)
	if err != nil {
		h.fail(c, err)
		return
	}
	if wantsJSON(c) {
		out := gin.H{"id": cmd.ID, "already_applied": r.Applied.Duplicate, "outcome": nil, "upgrade_id": nil}
		if !r.Applied.Duplicate {
			out["outcome"] = r.Applied.Outcome.String()
		}
		if r.Applied.UpgradeID != 0 {
			out["upgrade_id"] = int64(r.Applied.UpgradeID)
		}
		c.JSON(http.StatusOK, out)
		return
	}
	c.Redirect(http.StatusSeeOther, "/anomalies?replayed="+url.QueryEscape(cmd.ID))
}

// anomalyTitle is a kind of anomaly in words.
func anomalyTitle(kind string) string {
	switch kind {
	case application.AnomalyEvent:
		return "Event that did not fit"
	case application.AnomalyFailed:
		return "Failed event"
	case application.AnomalyRefund:
		return "Refund not made"
	}
	return kind
}
