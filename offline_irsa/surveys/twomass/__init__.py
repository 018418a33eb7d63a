"""The synthetic 2MASS All-Sky atlas: scans and tiles (``tiling``), the image record every door
writes from (``images``), headers and pixels (``render``), bands (``bands``), which tiles meet a
search box (``regions``), the files IBE serves (``files``), its SIA v1 columns (``sia_v1``) and
its SIA v2 collection ``twomass_allsky`` (``collection``)."""

from offline_irsa.surveys.base import Survey
from offline_irsa.surveys.twomass import files, sia_v1
from offline_irsa.surveys.twomass.collection import TwoMassAllSky

SURVEY = Survey(
    name="2MASS All-Sky atlas",
    sia_path="/ibe/sia/twomass/allsky/allsky",
    data_path="/ibe/data/twomass/allsky/allsky",
    sia_table=sia_v1.TABLE,
    open=files.open_file,
    collection=TwoMassAllSky(),
)
