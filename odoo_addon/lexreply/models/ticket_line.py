"""LINE intake in one round trip: ``helpdesk.ticket.lexreply_line_intake``."""

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html


class LexReplyTicketLine(models.AbstractModel):
    _inherit = "lexreply.ticket.mixin"

    @api.model
    def _lexreply_parse_line_event(self, event):
        if not isinstance(event, dict):
            raise UserError(self.env._("lexreply_line_intake: the event must be an object"))
        unknown = set(event) - {"webhook_event_id", "line_user_id", "text", "as_note", "note"}
        if unknown:
            raise UserError(
                self.env._(
                    "lexreply_line_intake: unknown keys %(keys)s", keys=", ".join(sorted(unknown))
                )
            )
        for key in ("webhook_event_id", "line_user_id"):
            if not isinstance(event.get(key), str) or not event[key].strip():
                raise UserError(self.env._("lexreply_line_intake: %(key)s is required", key=key))
        text = event.get("text") or ""
        note = event.get("note") or ""
        if not isinstance(text, str) or not isinstance(note, str):
            raise UserError(self.env._("lexreply_line_intake: text and note must be text"))
        as_note = bool(event.get("as_note"))
        if not (note if as_note else text).strip():
            raise UserError(self.env._("lexreply_line_intake: nothing to post"))
        return event["webhook_event_id"].strip(), event["line_user_id"].strip(), text, as_note, note

    @api.model
    def _lexreply_line_event_answer(self, message, duplicate):
        message = message.sudo()
        return {
            "ticket_id": message.res_id if message.model == self._name else False,
            "message_id": message.id,
            "partner_id": message.author_id.id if message.author_id.partner_share else False,
            "partner_lang": (message.author_id.partner_share and message.author_id.lang) or False,
            "duplicate": duplicate,
        }

    @api.model
    def lexreply_line_intake(self, event):
        """A LINE text becomes a message by the linked partner on that partner's open LINE
        ticket (created when none is open), once per webhook event. See the addon README."""
        self._lexreply_check_integration_caller()
        event_id, line_user_id, text, as_note, note = self._lexreply_parse_line_event(event)
        Message = self.env["mail.message"].sudo()
        seen = Message.search([("lexreply_line_event_id", "=", event_id)], limit=1)
        if seen:
            return self._lexreply_line_event_answer(seen, True)
        partner = self.env["res.partner"].sudo().search(
            [("lexreply_line_user_id", "=", line_user_id)], limit=1
        )
        if not partner:
            return {
                "ticket_id": False,
                "message_id": False,
                "partner_id": False,
                "partner_lang": False,
                "duplicate": False,
            }
        # Serialise the events of one partner. An UPDATE (not a bare SELECT ... FOR UPDATE):
        # under Odoo's REPEATABLE READ the second transaction then fails to serialise and is
        # retried with a fresh snapshot that sees the first one's ticket and message.
        self.env.cr.execute(
            "UPDATE res_partner SET write_date = write_date WHERE id = %s", [partner.id]
        )
        ticket = self.sudo().search(
            [
                ("lexreply_channel", "=", "line"),
                ("partner_id", "=", partner.id),
                ("lexreply_line_user_id", "=", line_user_id),
                ("lexreply_open", "=", True),
            ],
            order="id desc",
            limit=1,
        )
        if not ticket:
            ticket = self.sudo().create(
                {
                    "name": self.env._("LINE: %(name)s", name=partner.name),
                    "description": plaintext2html(text or note),
                    "partner_id": partner.id,
                    "lexreply_channel": "line",
                    "lexreply_line_user_id": line_user_id,
                }
            )
        post = ticket.with_context(mail_create_nosubscribe=True).message_post
        if as_note:
            bot = self.env.ref("lexreply.user_lexreply_bot")
            message = post(
                body=plaintext2html(note),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                author_id=bot.partner_id.id,
            )
        else:
            message = post(
                body=plaintext2html(text),
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                author_id=partner.id,
            )
        # Not a message_post parameter (Odoo refuses unknown ones): written right after.
        message.sudo().write({"lexreply_line_event_id": event_id})
        return {
            "ticket_id": ticket.id,
            "message_id": message.id,
            "partner_id": partner.id,
            "partner_lang": partner.lang or False,
            "duplicate": False,
        }

    def _lexreply_detach_line(self, reason):
        """The client's LINE link changed: these tickets no longer answer on LINE."""
        for ticket in self.sudo():
            ticket.write({"lexreply_line_user_id": False})
            ticket._lexreply_post_note(reason)
