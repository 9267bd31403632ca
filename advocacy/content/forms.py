from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from advocacy.admin.forms import CheckboxesField
from advocacy.services.engage import ACTIONS
from advocacy.services.networks import NETWORKS

NETWORK_CHOICES = [SelectChoice(name, label) for name, label in NETWORKS.items()]


class TimezoneField(HiddenField):
    """Filled by static/js/chorus.js with the browser's time zone (IANA name)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(validators=[Optional(), Length(max=64)], **kwargs)


class CampaignForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    goal = TextAreaField("Goal", validators=[Optional(), Length(max=2000)])
    starts_on = DateField("Starts on", validators=[DataRequired()])
    ends_on = DateField("Ends on", validators=[Optional()])
    utm_campaign = StringField(
        "UTM campaign name",
        validators=[Optional(), Length(max=100)],
        description="Tracked links carry it as utm_campaign. Left empty, it is made from the name.",
    )
    submit = SubmitField("Save campaign")


class ItemForm(FlaskForm):
    campaign = SelectField("Campaign", coerce=int, validators=[DataRequired()])
    url = URLField(
        "Address of the page to share",
        validators=[DataRequired(), Length(max=2048)],
        description="Employees' posts carry their own tracked link to it, never this address.",
    )
    read_page = BooleanField(
        "Fill the title, summary and image from the page's preview (read in the background)",
        default=True,
    )
    title = StringField("Title", validators=[Optional(), Length(max=300)])
    summary = TextAreaField("Summary", validators=[Optional(), Length(max=2000)])
    image = FileField("Image (JPEG, PNG, GIF or WebP, up to 5 MB)")
    hashtags = StringField(
        "Hashtags", validators=[Optional(), Length(max=500)], description="For example #launch #ai"
    )
    networks = CheckboxesField("May be shared on", choices=NETWORK_CHOICES)
    departments = CheckboxesField(
        "Audience", coerce=int, description="Leave all unticked for every certified employee."
    )
    starts_at = DateTimeLocalField(
        "Goes live",
        validators=[Optional()],
        description="Leave empty to go live as soon as it is approved.",
    )
    expires_at = DateTimeLocalField("Expires", validators=[Optional()])
    timezone = TimezoneField()
    submit = SubmitField("Save")


for _name, _label in NETWORKS.items():
    setattr(
        ItemForm,
        f"caption_{_name}",
        TextAreaField(f"Suggested caption for {_label}", validators=[Optional(), Length(max=3000)]),
    )


class SendBackForm(FlaskForm):
    note = TextAreaField(
        "What should change",
        validators=[DataRequired("Say what should change, so the author knows."), Length(max=500)],
    )
    submit = SubmitField("Send back to the author")


class AskForm(FlaskForm):
    post_url = URLField(
        "Address of the company post",
        validators=[DataRequired(), Length(max=2048)],
        description="A post on X (x.com/…/status/…) or LinkedIn (linkedin.com/feed/update/…).",
    )
    actions = CheckboxesField(
        "Ask people to",
        choices=[SelectChoice(action, label) for action, label in ACTIONS.items()],
        default=["like"],
    )
    message = TextAreaField("Message to employees", validators=[Optional(), Length(max=1000)])
    campaign = SelectField("Campaign", coerce=int, validators=[Optional()])
    expires_at = DateTimeLocalField("Open until", validators=[DataRequired()])
    timezone = TimezoneField()
    submit = SubmitField("Post the ask")


class ReviewForm(FlaskForm):
    note = StringField("Note for the employee", validators=[Optional(), Length(max=400)])
    approve = SubmitField("Approve")
    reject = SubmitField("Reject")
