"""Original prose for the synthetic narration corpus (written for this project).

`DEV_PARAGRAPHS` calibrate the windows; `TEST_PARAGRAPHS` are what the benchmark scores.
They never share a paragraph, so calibration is not measured on its own data.
"""

from __future__ import annotations

DEV_PARAGRAPHS: tuple[str, ...] = (
    "The lighthouse keeper woke before the gulls. He climbed the iron stairs with a lamp in "
    "one hand and a flask of tea in the other. From the gallery he could see the whole bay, "
    "grey and still under a low sky. Three trawlers were already heading out past the "
    "breakwater. He wrote their names in the log, as his father had done for forty years.",
    "Marta kept a garden on the roof of the printing works. Tomatoes grew in old ink drums "
    "and beans climbed a ladder she had rescued from a skip. In August the whole street "
    "smelled of basil. Neighbours came up the fire escape with bowls and left with them full. "
    "Nobody ever asked who owned the roof.",
    "At the edge of the forest there was a clearing where the deer came at dusk. Dr. Okafor "
    "set up her camera behind a fallen beech and waited. For six evenings nothing happened. "
    "On the seventh, a doe stepped out of the bracken with two fawns at her heels. The "
    "camera clicked once, and the three of them froze.",
    "The night train to the coast left at 11:40 from platform 9. Its carriages were older "
    "than most of its passengers. A conductor in a faded cap walked the corridor, punching "
    "tickets by hand. Somewhere after midnight the heating failed. By dawn strangers were "
    "sharing coats and telling each other where they were going.",
    "Every spring the river rose and took a little of the town with it. One year it was the "
    "bandstand, another year the footbridge by the mill. The council built walls, and the "
    "river went round them. In the end people planted willows along the bank. The willows "
    "held the soil, and the river grew tired of arguing.",
    "The bakery opened at five, but the queue began at half past four. Students, nurses "
    "coming off shift and a man who walked three dogs stood in the dark together. When the "
    "shutter rose, warm light spilled onto the pavement. The first loaves were always gone "
    "within ten minutes. The baker never made more, and never explained why.",
    "High in the mountains, a small observatory watched the sky for falling rocks. Two "
    "astronomers lived there from October to March. They counted meteors, mended the "
    "generator and played chess by the light of the monitors. In 2019 they found a comet "
    "that nobody else had seen. It was named after the village below.",
    "The museum closed its doors for the last time on a Sunday. Volunteers wrapped the "
    "dinosaur bones in blankets and lowered them into wooden crates. A child asked whether "
    "the skeleton would be lonely in the dark. The curator said it had waited sixty million "
    "years already. It could wait a little longer for a new home.",
)

TEST_PARAGRAPHS: tuple[str, ...] = (
    "At first light the valley filled with mist. The farmhouse roofs floated above it like "
    "boats on a pale sea. Anna walked down to the orchard with a basket on her arm. The "
    "apples were wet and cold, and each one she picked left a dark mark on her glove. By "
    "the time the sun cleared the ridge, the basket was full.",
    "Her grandfather had planted the orchard in 1962. He had carried the saplings up from "
    "the station on his back, twelve at a time. Some of the trees had died in the hard winter "
    "of that first year. The ones that lived were now taller than the barn. Anna knew every "
    "one of them by the shape of its branches.",
    "The village market was held on the second Saturday of each month. Farmers set up "
    "trestle tables under the plane trees in the square. There was cheese wrapped in "
    "leaves, honey in jars with handwritten labels and bread still warm from the oven. Anna "
    "sold her apples by the kilo and her cider by the bottle. She usually went home with "
    "empty crates and a pocket full of coins.",
    "That autumn a stranger arrived with a van full of cameras. He said he was making a film "
    "about old orchards and the people who kept them. Anna was suspicious at first. She had "
    "seen developers measure the fields before, with smiles that did not reach their eyes. "
    "But the stranger only wanted to listen.",
    "His name was Tomas, and he had grown up in a city with no trees at all. He filmed the "
    "mist, the ladders and the bees in the clover. He recorded the creak of the cider press "
    "and the thud of apples falling at night. In the evenings he sat at the kitchen table "
    "and asked Anna's grandfather questions. The old man talked for hours.",
    "At first light the next morning, the mist did not lift. It thickened until Anna could "
    "not see the end of the lane. The cows lowed somewhere in the white, and a dog barked "
    "twice and fell silent. Tomas set up his camera anyway. He said that fog was just "
    "weather that had decided to stay close.",
    "The storm came in the second week of October. It began with a warm wind from the south "
    "that made the leaves hiss. By evening the rain was falling sideways and the power lines "
    "were singing. Anna and Tomas went out with torches to check the young trees. A branch "
    "as thick as a man's leg had fallen across the path.",
    "In the morning the orchard looked as if a giant had walked through it. Seven trees were "
    "down, their roots torn out of the red soil. Apples lay everywhere, bruised and split. "
    "Anna's grandfather stood at the gate for a long time without speaking. Then he went to "
    "the shed and came back with a saw.",
    "Neighbours arrived before noon without being asked. The Petrov brothers brought a "
    "tractor and a chain. Mrs. Weller from the post office brought soup in a pot so large "
    "that it took two people to carry it. Children gathered the fallen apples into "
    "wheelbarrows. By sunset the worst of the damage had been cleared.",
    "The fallen trees were cut into logs and stacked along the north wall. Apple wood burns "
    "slowly and smells sweet, and it would keep the kitchen warm for two winters. Tomas "
    "filmed the stacking in a single long shot. Later he said it was the most honest thing "
    "he had ever recorded. Nobody in the shot was performing for anyone.",
    "Winter was quiet. Snow lay on the hills from December to March, and the orchard slept "
    "under it. Anna repaired crates and sharpened the pruning tools. Her grandfather taught "
    "Tomas how to graft a branch from one tree onto another. They practised on willow "
    "shoots in the warm kitchen while the wind pushed at the windows.",
    "In February the old man fell ill. The doctor came up from the town twice a week in a "
    "car with chains on its tyres. Dr. Haddad was young and spoke softly, and she always "
    "stayed for a cup of tea. She told Anna that her grandfather's heart was tired, not "
    "broken. Rest would do more than any medicine.",
    "Tomas edited his film at night on a laptop balanced on his knees. He cut four hundred "
    "hours of footage down to ninety minutes. Some scenes he watched so often that he could "
    "hear them with his eyes closed. The storm sequence alone took him three weeks. He "
    "showed nobody until it was finished.",
    "The first warm day came in the middle of March. Anna opened every window in the house "
    "and carried her grandfather's chair out onto the porch. He sat there in a blanket and "
    "watched the snow retreat from the lower field. A blackbird sang from the top of the "
    "oldest tree. The old man said it was the same bird as last year.",
    "Pruning began in April. Anna and Tomas worked their way down the rows with ladders and "
    "saws. Each tree needed light at its centre and air between its branches. Tomas was slow "
    "at first, afraid of cutting too much. By the end of the month he could read a tree "
    "the way Anna did.",
    "Where the storm had torn out the seven trees, they planted new ones. The saplings came "
    "from cuttings the old man had grafted in the winter. Each was tied to a stake with a "
    "strip of old bed sheet. Anna wrote the variety on a wooden label at the foot of each "
    "one. Her grandfather insisted on planting the last one himself.",
    "The blossom arrived all at once, in the last days of April. For a week the orchard was "
    "white and pink and loud with bees. Visitors drove up from the city to walk between the "
    "rows. A school brought forty children who ran in circles and shouted at the petals. "
    "Tomas filmed none of it; he just watched.",
    "In May the film was shown in the village hall. Someone borrowed a projector from the "
    "school, and the chairs ran out long before the lights went down. The audience laughed "
    "when they saw themselves carrying soup and logs. They went quiet during the storm. At "
    "the end, nobody moved for a long moment.",
    "Then the old man stood up at the back of the hall. He was leaning on a stick, and his "
    "voice was thin but clear. He said the orchard had never belonged to him. He had only "
    "been looking after it for the trees that would come later. Then he sat down, and the "
    "hall began to clap.",
    "The film travelled further than anyone expected. It was shown at a festival by the sea "
    "and then in cinemas in three countries. Letters arrived at the farm from people who "
    "had once had an orchard, or wanted one. A retired teacher from the north sent a box "
    "of seeds. A boy of nine sent a drawing of an apple tree with a face.",
    "Summer was hot and dry. The well dropped lower each week, and Anna watered the young "
    "trees by hand every evening. Tomas rigged a pipe from the stream above the farm. It "
    "leaked at every joint, but enough water reached the saplings. Not one of them died.",
    "At first light on the last day of August, the old man walked through the orchard alone. "
    "Anna watched him from the kitchen window. He stopped at each of the new trees and "
    "touched its label. At the oldest tree he stood for a long time with his hand on the "
    "bark. Then he came back inside and asked for breakfast.",
    "The harvest that year was the best in a decade. There were so many apples that the "
    "market could not take them all. Anna and Tomas pressed the rest into cider and juice. "
    "They filled every bottle in the house, and then every jar. The cellar smelled of apples "
    "until Christmas.",
    "Tomas stayed for the winter, and then for the spring after that. He stopped talking "
    "about the next film. Instead he learned to drive the tractor and to mend the fence on "
    "the upper field. The neighbours stopped calling him the stranger. The Petrov brothers "
    "started calling him the film man, which was worse.",
    "The old man died in his sleep in the second October after the storm. The whole village "
    "came to the funeral, and the church was too small to hold them. Afterwards they walked "
    "up the lane to the orchard. Each person picked one apple and carried it home. It was "
    "what he had asked for.",
    "Anna kept the orchard, and Tomas kept her company. They planted a new row every spring, "
    "always from cuttings of the oldest trees. Children from the school came each year to "
    "help and to learn the names of the varieties. Some of them came back as adults with "
    "children of their own. The labels at the foot of the trees were painted fresh every "
    "year.",
    "Years later, a student wrote to ask whether the film had changed the farm. Anna read "
    "the letter twice before answering. She wrote that the film had changed the people who "
    "watched it. The farm had simply gone on being a farm. The trees had never noticed the "
    "camera at all.",
    "On the kitchen wall there is still a photograph from the first autumn. It shows the old "
    "man, Anna and Tomas standing in front of the cider press. All three of them are "
    "laughing at something outside the frame. Nobody can remember what it was. That, Anna "
    "says, is the best thing about it.",
    "The river below the farm floods most winters now. The council talks about walls, and "
    "the farmers talk about trees. Anna has offered cuttings to anyone who will plant them "
    "along the bank. Last year forty people took her up on it. The new trees are still thin, "
    "but their roots are already holding the soil.",
    "If you drive up the lane on a morning in October, you may see the mist in the valley. "
    "The roofs will float above it, and the orchard will be silent. Somewhere among the "
    "rows, a woman will be picking apples into a basket. She will not look up as you pass. "
    "The trees need her more than you do.",
    "The station at the bottom of the valley closed in 1998. Its platform is still there, "
    "overgrown with brambles and wild roses. In summer, blackberries ripen where passengers "
    "once waited for the morning train. Tomas filmed it once, in a single shot at dusk. He "
    "never used the footage, but he kept it.",
    "The old cider press is now in the village museum. It stands in a corner next to a "
    "butter churn and a loom. A card explains that it was built by a blacksmith in 1911 and "
    "used by four generations of one family. Schoolchildren are allowed to turn the handle. "
    "It still creaks exactly as it did in the film.",
    "Tomas began writing a book about the years on the farm. He wrote in the mornings, before "
    "the work began, at a desk by the east window. The chapters were short and plain, like "
    "the people in them. He read each one aloud to Anna in the evening. She corrected the "
    "names of the apples and nothing else.",
    "The book was published in a small edition by a press in the city. Most copies were sold "
    "at the village market, from a table next to the cider. Tourists asked Anna to sign it, "
    "and she always refused. She said she had only picked the apples. Tomas signed them with "
    "a drawing of a tree instead of his name.",
    "Every few years a storm still comes up from the south. The trees bend, and some of them "
    "break. Anna no longer stands at the gate in silence. She fetches the saw, and the "
    "neighbours come without being asked. By sunset the worst of the damage is always "
    "cleared.",
    "At the top of the orchard there is a bench that faces the valley. It was made from the "
    "wood of the oldest tree, which finally fell in a gale twenty years after the film. "
    "Walkers stop there to eat their sandwiches and look at the view. A small brass plate on "
    "the back carries a single line. It says: for the trees that come later.",
)

ASIDES: tuple[str, ...] = (
    "Chapter two.",
    "Let me read that again.",
    "Quote, unquote.",
    "Sorry, I lost my place for a moment.",
    "As I was saying.",
    "Page forty one.",
)
"""Words a narrator adds that are not in the script (departures the aligner must survive)."""
