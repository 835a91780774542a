from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from knowtrans.core.changes import COMPANY
from knowtrans.core.db import UTCDateTime, utcnow
from knowtrans.extensions import Model


class Skill(Model):
    __tablename__ = "skills"
    __changes__ = COMPANY

    id: Mapped[int] = mapped_column(primary_key=True)
    #: unique case-insensitively (see the index above)
    name: Mapped[str] = mapped_column(sa.String(100))
    category: Mapped[str] = mapped_column(sa.String(60), index=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: optimistic locking (see Engagement.version)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Skill {self.id} {self.name}>"


sa.Index("uq_skills_name_lower", sa.func.lower(Skill.name), unique=True)
