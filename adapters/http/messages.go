package http

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"upgrades/application"
)

func (h *handlers) messages(c *gin.Context) {
	msgs, err := h.app.ReadMessages.Handle(c.Request.Context(), application.ReadMessages{UserID: viewerID(c)})
	if err != nil {
		h.fail(c, err)
		return
	}
	if wantsJSON(c) {
		out := make([]messageJSON, len(msgs))
		for i, m := range msgs {
			out[i] = messageJSON{ID: int64(m.ID), Body: m.Body, CreatedAt: rfc3339(m.CreatedAt), Read: !m.Unread()}
			if m.UpgradeID != 0 {
				id := int64(m.UpgradeID)
				out[i].UpgradeID = &id
			}
		}
		c.JSON(http.StatusOK, gin.H{"messages": out})
		return
	}
	h.page(c, http.StatusOK, "messages.html", "Messages", msgs)
}
