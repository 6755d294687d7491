package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// GiftNoteMax is the longest note a gift may carry, in characters.
const GiftNoteMax = 280

// ParseGiftNote checks a gift's note: plain text of at most GiftNoteMax
// characters, without control characters (line breaks included: it is
// shown as one paragraph). Surrounding space is dropped; empty means no
// note.
func ParseGiftNote(s string) (string, error) {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n > GiftNoteMax {
		return "", Errorf(KindInvalid, "a gift note is at most %d characters, this one has %d", GiftNoteMax, n)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", Errorf(KindInvalid, "a gift note is plain text on one line, without control characters")
	}
	return s, nil
}

// AttachGiftNote adds the purchaser's note to a new gift. A note goes
// only with a gift, and only before the upgrade is stored.
func (u *Upgrade) AttachGiftNote(note string) error {
	note, err := ParseGiftNote(note)
	switch {
	case err != nil:
		return err
	case note == "":
		return nil
	case !u.IsGifted():
		return Errorf(KindInvalid, "a gift note goes with a gift: name who gets the upgrade")
	case u.id != 0:
		return Errorf(KindConflict, "upgrade #%d is already started: its note cannot change", u.id)
	}
	u.giftNote = note
	return nil
}

// GiftNote is the purchaser's note, whoever asks.
func (u *Upgrade) GiftNote() string { return u.giftNote }

// GiftNoteFor is the note as viewer may read it: the purchaser and admins
// always; the recipient only once the gift was paid and delivered, so that
// nobody can message anyone by starting a checkout they never pay.
func (u *Upgrade) GiftNoteFor(viewer *User) string {
	switch {
	case viewer == nil:
		return ""
	case viewer.id == u.purchaserID, viewer.IsAdmin():
		return u.giftNote
	case viewer.id == u.recipientID && u.Delivered():
		return u.giftNote
	}
	return ""
}

// Delivered reports whether the upgrade was paid and fulfilled, even if
// it was refunded since.
func (u *Upgrade) Delivered() bool {
	return u.status == StatusComplete || (u.status == StatusRefunded && !u.levelBefore.IsZero())
}
