from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from advocacy.content.forms import TimezoneField
from advocacy.services.networks import NETWORKS


class ShareForm(FlaskForm):
    """One caption per network; the template shows the networks the item may go to."""

    when = DateTimeLocalField("Or schedule for", validators=[Optional()])
    timezone = TimezoneField()
    check = SubmitField("Check")
    share_now = SubmitField("Share now")
    schedule = SubmitField("Schedule")

    def chosen_captions(self, networks: list[str]) -> dict[str, str]:
        return {
            n: getattr(self, f"caption_{n}").data or ""
            for n in networks
            if getattr(self, f"on_{n}").data
        }


for _name, _label in NETWORKS.items():
    setattr(ShareForm, f"on_{_name}", BooleanField(f"Share on {_label}"))
    setattr(
        ShareForm,
        f"caption_{_name}",
        TextAreaField(f"Caption for {_label}", validators=[Optional(), Length(max=5000)]),
    )
