from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, EmailField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from advocacy.models import ROLES

ROLE_CHOICES = [SelectChoice(role, role.capitalize()) for role in ROLES]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    department = StringField(
        "Department",
        validators=[Optional(), Length(max=120)],
        description="Type an existing department, or a new name to create it.",
    )
    roles = CheckboxesField("Roles", choices=ROLE_CHOICES, default=["employee"])
    submit = SubmitField("Save")


class ImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[
            FileRequired("Choose a CSV file."),
            FileAllowed(["csv", "txt"], "Upload a .csv file."),
        ],
    )
    send_invitations = BooleanField("Email an invitation to every new user", default=True)
    submit = SubmitField("Import")


class DepartmentForm(FlaskForm):
    name = StringField("New department", validators=[DataRequired(), Length(max=120)])
    submit = SubmitField("Add department")
