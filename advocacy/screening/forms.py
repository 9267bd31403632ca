from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from advocacy import compliance


class SettingsForm(FlaskForm):
    approval = BooleanField("A second marketer or an admin approves content before it goes live")
    disclosure = StringField(
        "Employment disclosure",
        validators=[Optional(), Length(max=60)],
        description="Added to every post that lacks it, for example #employee. "
        "Leave empty only if your lawyers say so.",
    )
    domains = TextAreaField(
        "Approved sites for links in captions",
        validators=[Optional(), Length(max=5000)],
        description="One domain per line; subdomains are included. "
        "Each share's own tracked link is always allowed.",
    )
    submit = SubmitField("Save settings")


class TermForm(FlaskForm):
    term = StringField("Word or phrase", validators=[DataRequired(), Length(max=200)])
    severity = SelectField(
        "When found",
        choices=[
            SelectChoice(compliance.Severity.BLOCKED.value, "Block the share"),
            SelectChoice(compliance.Severity.FLAGGED.value, "Send it to a marketer for review"),
        ],
    )
    category = StringField("Category", validators=[Optional(), Length(max=60)])
    submit = SubmitField("Add term")


class ArchiveFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a search (GET) changes nothing

    q = StringField("Text, person or campaign", validators=[Optional(), Length(max=200)])
    network = SelectField("Network", validators=[Optional()])
    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])
