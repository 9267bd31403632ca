from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length


class RevokeForm(FlaskForm):
    reason = StringField(
        "Reason (the holder sees it)", validators=[DataRequired(), Length(max=500)]
    )
    submit = SubmitField("Revoke certificate")
