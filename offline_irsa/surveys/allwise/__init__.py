"""The synthetic AllWISE Atlas: tiles and ids (``tiling``), bands (``bands``), headers and
on-demand pixels (``render``), the image record (``images``), the files IBE serves (``files``),
its SIA v1 columns (``sia_v1``) and its SIA v2 collection ``wise_allwise`` (``collection``)."""

from offline_irsa.surveys.allwise import files, sia_v1
from offline_irsa.surveys.allwise.collection import AllWise
from offline_irsa.surveys.base import Survey

SURVEY = Survey(
    name="AllWISE Atlas",
    sia_path="/ibe/sia/wise/allwise/p3am_cdd",
    data_path="/ibe/data/wise/allwise/p3am_cdd",
    sia_table=sia_v1.TABLE,
    open=files.open_file,
    collection=AllWise(),
)
