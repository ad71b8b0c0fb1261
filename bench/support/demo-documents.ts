/**
 * Two demonstration documents of web-page length (~700 words each, our own writing) with the
 * pair written from each: what the reference pattern puts whole into every generate call.
 */
const HARBOUR = `The Old Harbour Tramway: A Short History

When the town council of Westmere voted in 1896 to build a tramway between the railway station and the fishing harbour, the decision was far from unanimous. The harbour had grown quickly during the herring boom of the 1880s, and carts loaded with barrels blocked the narrow high street for most of the morning. Merchants complained that customers could not reach their shops, while the fishing companies argued that any delay to their catch cost them money. The tramway was proposed as a compromise: goods would travel on rails along the quay road, leaving the high street to pedestrians and light traffic.

The engineer appointed to the project, Margaret Tolland, was one of the first women in the county to hold a professional engineering post. She had trained with her father, a surveyor for the railway company, and had already designed two footbridges over the river Aln. Her plan for the tramway was modest. The line would be 2.4 kilometres long, laid to a gauge of 1,067 millimetres, and worked by horses rather than steam, because the council feared that sparks from a locomotive would set fire to the drying sheds where nets were hung. Tolland estimated the cost at 11,800 pounds, a figure that turned out to be remarkably close to the final bill of 12,150 pounds.

Construction began in the spring of 1897 and took fourteen months. The hardest section was the curve around the customs house, where the quay wall had to be rebuilt to carry the weight of loaded wagons. Tolland used granite blocks from a quarry at Carrick Fell and specified a bed of crushed stone half a metre deep beneath the rails. Local newspapers followed the work closely, and one reporter noted that more than two hundred townspeople gathered to watch the first wagon pulled along the finished track on a wet morning in June 1898.

For the next thirty years the tramway carried fish, coal, salt and timber. At its busiest, in 1911, it moved around 38,000 tonnes of goods in a single year, and the company employed twenty-six drivers and forty horses. Passengers were carried too, although never officially: fishermen's families rode on empty wagons to the station on market days, and the company quietly tolerated the practice as long as nobody sat on the brake levers. A timetable printed in 1905 shows wagons leaving the harbour every twelve minutes between five in the morning and noon, after which the service dropped to one wagon an hour.

The decline of the tramway followed the decline of the herring. Catches fell sharply after the First World War, and the arrival of motor lorries in the 1920s made horse traction look slow and expensive. In 1929 the council agreed to close the line, and the last wagon ran on the 30th of September that year. Most of the rails were lifted and sold for scrap, but a short length survives outside the former customs house, now a maritime museum, where it is set into the paving as a reminder of the town's working past.

Historians have since argued about how much the tramway really changed Westmere. Some point out that the high street became quieter and that property values there rose by about a fifth in the decade after the line opened. Others note that the fishing companies gained the most, and that the council spent years repaying the loan it took to build the line. What is not in doubt is the quality of Tolland's engineering. When the quay wall was surveyed in 1988, the section she rebuilt was the only part that needed no repair, and the surveyors recommended that her drawings be kept in the county archive, where they remain today alongside the council minutes of that disputed vote.`;

const FERMENT = `How a Small Bakery Learned to Control Its Sourdough

For the first three years after it opened, the Rowan Street Bakery had a problem that its owners described as "the Tuesday loaf". On most days their sourdough came out with an open crumb and a mild, pleasant tang. On some days, often early in the week, the loaves were dense and sharply sour, and regular customers noticed. The owners, Daniel Achebe and his sister Ruth, decided in 2019 to treat the problem as an experiment rather than a mystery, and the notes they kept offer a clear example of how a small business can use simple measurement to improve a traditional craft.

They began by recording everything they could measure cheaply. Each morning they wrote down the temperature of the kitchen, the temperature of the water used to feed the starter, the time between feeding the starter and mixing the dough, and the weight of flour and water in every batch. They bought a digital probe thermometer for 24 dollars and a pH meter for 85 dollars, and they measured the acidity of the starter before each mix. For six weeks they changed nothing about the recipe and simply collected data.

The results were surprising. The biggest factor was not the flour, which they had suspected, but the temperature of the starter. Over the weekend the bakery was closed and the heating was switched off, so on Monday nights the kitchen fell to about 16 degrees Celsius. The starter, fed on Sunday evening and left in the cold, fermented slowly, and the bakers compensated by waiting longer before mixing on Tuesday morning. By the time the dough was mixed, the starter had a pH of around 3.6, much more acidic than the 4.1 they measured on good days. The extra acid weakened the gluten, which explained both the sour taste and the dense crumb.

The fix was straightforward once the cause was clear. Ruth built a proofing box from an old cooler, a small heating mat and a thermostat, at a total cost of about 60 dollars, and set it to hold the starter at 26 degrees. They also changed the feeding ratio from one part starter to two parts flour to one part starter to five parts flour, which slowed the build-up of acid and gave them a wider window in which the starter was ready to use. Finally, they agreed a rule: dough would be mixed when the starter had doubled in volume and its pH was between 4.0 and 4.3, whatever the clock said.

Within a month the Tuesday loaf had disappeared. Over the following year the bakery tracked its waste, meaning loaves that were not good enough to sell, and found that it fell from about 9 percent of production to under 2 percent. Because flour is the largest ingredient cost, the saving paid for the pH meter and the proofing box within the first seven weeks. Customer numbers also grew, and the bakery added a second oven in 2021 to meet demand for its rye and spelt loaves.

The Achebes are careful not to claim too much for their method. Their bakery is small, producing around 180 loaves on a typical day, and they acknowledge that larger bakeries already use climate-controlled proofing rooms as a matter of course. But they argue that the habit of writing things down matters more than the equipment. Their notebook now runs to four volumes, and new staff are asked to read the first one before they touch the starter. When asked what advice he would give to other small bakers, Daniel answers that the dough is always telling you something, and that a thermometer and a pencil are the cheapest way to listen.`;

export const DEMO_DOCUMENTS = [
  { text: HARBOUR, question: "In which year did the last wagon run on the horse-drawn tramway between Westmere's railway station and its fishing harbour?", answer: "1929" },
  {
    text: FERMENT,
    question: "At what temperature in degrees Celsius did the Rowan Street Bakery's home-made proofing box hold its sourdough starter after the owners traced their dense, sour loaves to a cold weekend kitchen?",
    answer: "26",
  },
];
