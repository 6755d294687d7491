package http

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"upgrades/application"
	"upgrades/domain"
)

// The audit page's filters, as named in the query string.
const (
	auditActor   = "search[actor]"
	auditAction  = "search[action]"
	auditSubject = "search[subject]"
)

var auditFilters = []string{auditActor, auditAction, auditSubject}

// auditPage is one page of the audit trail with its search form.
type auditPage struct {
	application.AuditList
	Filter  application.AuditFilter
	Actions []domain.AuditAction
	pageLinks
	Filtered bool
}

type auditEntryJSON struct {
	ID        int64   `json:"id"`
	Action    string  `json:"action"`
	ActorID   *int64  `json:"actor_id"`
	Actor     string  `json:"actor"`
	Subject   string  `json:"subject"`
	Reason    *string `json:"reason"`
	CreatedAt string  `json:"created_at"`
}

type auditListJSON struct {
	Audit []auditEntryJSON `json:"audit"`
	pageJSON
}

func auditOut(r application.AuditRow) auditEntryJSON {
	e := r.Entry
	out := auditEntryJSON{ID: e.ID(), Action: e.Action().String(), Actor: actorName(r), Subject: e.Subject(), CreatedAt: rfc3339(e.CreatedAt())}
	if !e.ByCommandLine() {
		id := int64(e.ActorID())
		out.ActorID = &id
	}
	if reason := e.Reason(); reason != "" {
		out.Reason = &reason
	}
	return out
}

// actorName is who took an entry's action, in words.
func actorName(r application.AuditRow) string {
	if r.Entry.ByCommandLine() {
		return "cli"
	}
	return r.ActorName
}

// subjectURL links an entry's subject to its page, "" when it has none.
func subjectURL(subject string) string {
	kind, id, _ := strings.Cut(subject, ":")
	if n, err := strconv.ParseInt(id, 10, 64); err != nil || n < 1 {
		return ""
	}
	switch kind {
	case "user":
		return "/users/" + id
	case "upgrade":
		return "/user_upgrades/" + id
	}
	return ""
}

func (h *handlers) audit(c *gin.Context) {
	if err := unknownSearch(c.Request.URL.Query(), auditFilters); err != nil {
		h.fail(c, err)
		return
	}
	cmd := application.ListAudit{
		ViewerID: viewerID(c), Page: c.Query("page"),
		Filter: application.AuditFilter{Actor: c.Query(auditActor), Action: c.Query(auditAction), Subject: c.Query(auditSubject)},
	}
	var err error
	if cmd.Limit, err = queryInt(c, "limit"); err != nil {
		h.fail(c, err)
		return
	}
	list, err := h.app.ListAudit.Handle(c.Request.Context(), cmd)
	if err != nil {
		h.fail(c, err)
		return
	}
	if wantsJSON(c) {
		out := auditListJSON{Audit: make([]auditEntryJSON, len(list.Items)), pageJSON: pageOut(list)}
		for i, r := range list.Items {
			out.Audit[i] = auditOut(r)
		}
		c.JSON(http.StatusOK, out)
		return
	}
	data := auditPage{AuditList: list, Filter: cmd.Filter, Actions: domain.AuditActions, Filtered: cmd.Filter != (application.AuditFilter{}),
		pageLinks: linksOf("/audit", map[string]string{auditActor: cmd.Filter.Actor, auditAction: cmd.Filter.Action, auditSubject: cmd.Filter.Subject}, list)}
	h.page(c, http.StatusOK, "audit.html", "Audit trail", data)
}

// ban bans (or, with unban, lets back in) the user of the path, for an
// owner, with an optional reason.
func (h *handlers) ban(unban bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c)
		if !ok {
			h.fail(c, notFound("no such user"))
			return
		}
		in, err := readOptionalInput(c)
		if err != nil {
			h.fail(c, err)
			return
		}
		cmd := application.Ban{By: application.Actor{ID: viewerID(c)}, UserID: domain.UserID(id), Reason: in.get("reason"), Unban: unban}
		if err := in.check(); err != nil {
			h.fail(c, err)
			return
		}
		u, err := h.app.Ban.Handle(c.Request.Context(), cmd)
		if err != nil {
			h.fail(c, err)
			return
		}
		if wantsJSON(c) {
			c.JSON(http.StatusOK, userOut(u, false))
			return
		}
		c.Redirect(http.StatusSeeOther, profilePath(u.ID()))
	}
}
