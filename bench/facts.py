"""Unrelated personal facts, each with a question that asks for it in other words.

Written for engram's paraphrase benchmark (``bench/paraphrase.py``); no pair comes from a
dataset. A question shares few content words with its fact, so it tests meaning more than
spelling, and every fact stands alone: no fact answers another's question.
"""

from __future__ import annotations

#: (fact, paraphrased question).
PAIRS: list[tuple[str, str]] = [
    # Family and friends.
    ("My sister Ana lives in Porto with her two kids.", "Which city is my sibling based in?"),
    ("My brother is a firefighter in Glasgow.", "What does my male sibling do for a living?"),
    ("My mother's birthday is on the 4th of September.", "When should I call mum to celebrate?"),
    ("My father retired from the post office last spring.", "Is dad still working?"),
    (
        "My grandmother taught me to knit when I was seven.",
        "Who showed me how to make woolly things with needles?",
    ),
    (
        "My best friend Tomasz moved to Vancouver for a job at a game studio.",
        "Where did my closest mate relocate for work?",
    ),
    (
        "My cousin Rafael is getting married in Seville next June.",
        "Whose wedding is happening in Spain?",
    ),
    (
        "My niece just started her first year at university studying marine biology.",
        "What subject is my sister's daughter doing at college?",
    ),
    ("My partner is allergic to cats.", "Why can't we adopt a kitten?"),
    ("My uncle owns a vineyard in the Douro valley.", "Which relative makes wine?"),
    (
        "My daughter's football practice is every Tuesday evening.",
        "When does my girl train with her soccer team?",
    ),
    ("My son lost his first tooth yesterday.", "Has my boy had any baby teeth fall out?"),
    (
        "My neighbour Priya waters my plants when I travel.",
        "Who looks after the greenery while I'm away?",
    ),
    ("My in-laws visit us every Christmas.", "When do my spouse's parents come to stay?"),
    ("My twin brothers were born in 1994.", "How old are the twins in my family?"),
    # Pets.
    ("Our dog Biscuit is a twelve-year-old beagle.", "What breed is our family pooch?"),
    ("The cat needs thyroid medication twice a day.", "What treatment does our feline require?"),
    (
        "We adopted a rescue greyhound named Pepper from a shelter in Kent.",
        "Where did our racing-breed pet come from?",
    ),
    ("My parrot can whistle the theme from Star Wars.", "Which tune does the bird know?"),
    (
        "The goldfish tank needs cleaning every second Sunday.",
        "How often should I scrub the aquarium?",
    ),
    (
        "Our rabbit escaped under the fence twice this summer.",
        "Has the bunny ever got out of the garden?",
    ),
    (
        "The vet said the dog should lose two kilos.",
        "What did the animal doctor advise about the hound's weight?",
    ),
    # Health.
    ("I am allergic to penicillin.", "Which antibiotic must I avoid?"),
    (
        "I have physiotherapy for my left knee on Thursdays.",
        "What is the weekly appointment for my leg joint?",
    ),
    (
        "My blood pressure was 128 over 82 at the last check-up.",
        "What were my readings at the doctor's?",
    ),
    (
        "I take vitamin D in the winter months.",
        "Which supplement do I use when it's cold and dark?",
    ),
    ("I broke my wrist skiing in 2019.", "Have I ever fractured a bone on the slopes?"),
    ("I am trying to cut down to one coffee a day.", "How much caffeine am I aiming for?"),
    ("My dentist is Dr Okafor on Mill Street.", "Who looks after my teeth?"),
    ("I get migraines when I skip meals.", "What triggers my bad headaches?"),
    (
        "I have been sleeping badly since the new neighbours moved in.",
        "Why is my rest poor lately?",
    ),
    ("I wear contact lenses but glasses at night.", "How do I correct my eyesight?"),
    ("I'm lactose intolerant, so I drink oat milk.", "What dairy alternative do I use?"),
    ("I run three times a week to train for a half marathon.", "What race am I preparing for?"),
    # Work.
    ("I work as a data engineer at a logistics company.", "What is my job?"),
    ("My manager is called Ingrid and she is based in Oslo.", "Who is my boss?"),
    ("Our team stand-up is at 9:15 every weekday.", "When is the daily morning meeting?"),
    ("I negotiated a four-day week starting in March.", "Did I change my working schedule?"),
    (
        "The quarterly report is due on the last Friday of the month.",
        "When must the three-monthly summary be handed in?",
    ),
    ("I was promoted to senior analyst in 2022.", "When did I move up a grade at work?"),
    ("My commute is forty minutes by train.", "How long does it take me to get to the office?"),
    (
        "I give a talk on data pipelines at a conference in Berlin in October.",
        "Where am I presenting this autumn?",
    ),
    (
        "The office wifi password changes on the first of every month.",
        "How often is the network key rotated at work?",
    ),
    ("I mentor two junior developers.", "How many newcomers do I coach?"),
    (
        "My contract ends in August and I'm unsure about renewing.",
        "Is my job secure past the summer?",
    ),
    (
        "I used to be a chemistry teacher before switching to software.",
        "What was my previous career?",
    ),
    # Food and drink.
    ("I don't eat pork.", "Is there any meat I avoid?"),
    (
        "My favourite restaurant is a tiny ramen place near the station.",
        "Where do I like to go for noodles?",
    ),
    ("I bake sourdough every Saturday morning.", "What do I make in the kitchen at the weekend?"),
    ("Coriander tastes like soap to me.", "Which herb do I hate?"),
    ("I prefer green tea to coffee in the afternoon.", "What hot drink do I choose after lunch?"),
    ("I've been vegetarian since 2016.", "How long have I avoided meat?"),
    (
        "My signature dish is a lamb tagine with apricots.",
        "What do I cook when I want to impress guests?",
    ),
    ("I can't handle very spicy food.", "How do I feel about chilli heat?"),
    ("We order pizza on Friday nights.", "What takeaway do we have at the end of the week?"),
    ("I'm learning to make fresh pasta by hand.", "Which cooking skill am I working on?"),
    ("My go-to wine is a dry Riesling.", "What do I usually pour with dinner?"),
    ("I keep a jar of kimchi fermenting in the fridge.", "What am I pickling at home?"),
    # Travel.
    ("I visited Japan for the cherry blossom season in 2023.", "When did I see the sakura?"),
    ("My passport expires in November 2027.", "When do I need new travel documents?"),
    ("I'm afraid of flying, so I take the train across Europe.", "Why do I avoid planes?"),
    ("We spent our honeymoon in the Azores.", "Where did we go after the wedding?"),
    (
        "I want to hike the Camino de Santiago one day.",
        "Which long pilgrimage walk is on my wish list?",
    ),
    ("I have been to 31 countries.", "How many nations have I travelled to?"),
    ("My favourite city is Edinburgh.", "Which place do I love most?"),
    ("I always book an aisle seat.", "Where do I like to sit on a plane?"),
    ("We rent a cottage in Cornwall every August.", "Where do we holiday at the end of summer?"),
    ("I got food poisoning in Marrakech.", "Where did I get ill from something I ate abroad?"),
    ("I collect fridge magnets from every trip.", "What souvenir do I bring back?"),
    (
        "I speak enough Italian to order in restaurants.",
        "How good is my grasp of the language of Rome?",
    ),
    # Hobbies.
    ("I play bass guitar in a covers band.", "Which instrument do I perform with?"),
    (
        "I'm reading my way through Terry Pratchett's Discworld series.",
        "Which fantasy books am I working through?",
    ),
    ("I climb at an indoor bouldering gym twice a week.", "What sport do I do on the walls?"),
    (
        "I knit jumpers for my nephews every winter.",
        "What do I make for the boys when it gets cold?",
    ),
    ("I've been learning chess openings online.", "Which board game am I studying?"),
    ("I grow tomatoes and chillies on my balcony.", "What vegetables do I raise outdoors?"),
    ("I restore old bicycles in my garage.", "What do I fix up as a hobby?"),
    (
        "I sing in a choir on Wednesday nights.",
        "What do I do midweek in the evening with other singers?",
    ),
    ("I photograph birds at the local wetlands.", "What wildlife do I take pictures of?"),
    ("I finished a 1000-piece jigsaw of the Milky Way.", "Which puzzle did I complete?"),
    ("I run a small book club that meets monthly.", "Which reading group do I organise?"),
    ("I'm teaching myself watercolour painting.", "What art form am I learning?"),
    ("I play five-a-side football on Monday evenings.", "When is my soccer game?"),
    ("I brew my own beer in the shed.", "What do I make in the outbuilding?"),
    ("I volunteer at a food bank on Saturdays.", "Where do I help out at the weekend?"),
    (
        "I play the board game Catan with friends every fortnight.",
        "Which tabletop game do we play regularly?",
    ),
    # Home.
    ("We live in a two-bedroom flat on the third floor.", "How big is our home?"),
    ("The boiler was replaced in January.", "When did we get a new heating system?"),
    ("Our landlord is slow to fix things.", "Who is unreliable about repairs?"),
    (
        "The spare key is hidden under the blue flowerpot.",
        "Where can someone find a way in if I'm locked out?",
    ),
    ("We painted the living room sage green.", "What colour are the lounge walls?"),
    ("The kitchen tap drips unless you turn it really hard.", "What's wrong with the sink?"),
    ("Bin collection is on Wednesday mornings.", "When is the rubbish picked up?"),
    ("We have solar panels on the roof.", "How do we generate our own electricity?"),
    ("Our sofa came from a charity shop.", "Where did we get the couch?"),
    ("The garden shed leaks when it rains.", "Which outbuilding lets water in?"),
    ("We are saving for a deposit on a house.", "What are we putting money aside for?"),
    ("The broadband router is in the hallway cupboard.", "Where is the internet box?"),
    # Money.
    ("My rent is 1,150 pounds a month.", "How much do I pay for housing?"),
    (
        "I put 10 percent of my salary into a pension.",
        "What share of my pay goes to retirement savings?",
    ),
    ("I pay off my credit card in full every month.", "Do I carry a balance on my card?"),
    ("I cancelled my gym membership to save money.", "Which subscription did I stop?"),
    ("My car insurance renews in April.", "When is my motor policy due?"),
    ("I switched my bank account to a credit union.", "Where do I keep my money now?"),
    ("I'm paying back a student loan.", "What debt do I still have from my studies?"),
    ("I budget 60 pounds a week for groceries.", "How much do I spend on food shopping?"),
    # Technology.
    ("My laptop is a ThinkPad with 32 GB of memory.", "What computer do I use?"),
    ("I switched from Android to an iPhone last year.", "Which phone platform do I use now?"),
    (
        "I back up my photos to an external drive every month.",
        "How do I keep copies of my pictures safe?",
    ),
    ("My home server runs Debian.", "Which operating system is on the machine in my cupboard?"),
    ("I use a password manager for all my accounts.", "How do I keep track of my logins?"),
    (
        "The smart speaker in the kitchen keeps mishearing me.",
        "Which gadget misunderstands my voice?",
    ),
    ("I built my own mechanical keyboard.", "What computer accessory did I assemble?"),
    ("I turned off notifications on social media apps.", "How did I reduce phone distractions?"),
    # Vehicles and transport.
    ("I drive a 2015 Skoda Octavia estate.", "What car do I have?"),
    ("My bike was stolen from outside the library.", "What happened to my bicycle?"),
    (
        "I failed my first driving test on reverse parking.",
        "Why didn't I pass the first time behind the wheel?",
    ),
    ("The car is due its MOT in June.", "When is the vehicle's roadworthiness test?"),
    ("I use an electric scooter for short trips.", "How do I get around locally?"),
    ("I have a monthly bus pass.", "What ticket do I use for public transport?"),
    # Education.
    (
        "I have a master's degree in statistics from Leeds.",
        "What did I study at postgraduate level?",
    ),
    ("I'm taking evening classes in Portuguese.", "Which language course am I attending?"),
    ("I did my undergraduate degree in Dublin.", "Where did I go to university first?"),
    ("I was terrible at maths in primary school.", "Which subject did I struggle with as a child?"),
    ("I'm studying for a cloud certification exam.", "Which test am I preparing for?"),
    ("My thesis was about flood prediction.", "What was my dissertation topic?"),
    # Preferences and opinions.
    ("I hate horror films.", "Which kind of movie do I avoid?"),
    ("My favourite band is Radiohead.", "Which group do I like best?"),
    ("I prefer mountains to beaches.", "What landscape do I choose for a holiday?"),
    ("I find open-plan offices exhausting.", "What kind of workspace drains me?"),
    ("I'm a morning person.", "When am I most productive?"),
    ("I can't stand the smell of lilies.", "Which flower's scent do I dislike?"),
    ("I love thunderstorms.", "What weather do I enjoy?"),
    (
        "I think podcasts are better than audiobooks for commuting.",
        "What do I listen to on the way to work?",
    ),
    ("I'd rather text than phone.", "How do I prefer to be contacted?"),
    ("My favourite season is autumn.", "Which time of year do I like most?"),
    ("I support Celtic.", "Which football club am I a fan of?"),
    ("I find jazz relaxing.", "What music calms me down?"),
    # Events and plans.
    ("I'm running the Lisbon half marathon in March.", "Which race am I entering in spring?"),
    (
        "We are planning a surprise party for Lena's fortieth.",
        "Whose milestone birthday are we organising?",
    ),
    (
        "I have a job interview with a fintech startup on Monday.",
        "What meeting do I have at the start of the week?",
    ),
    ("My driving licence needs renewing next month.", "Which document expires soon?"),
    ("We booked tickets to see Hamilton in May.", "Which musical are we going to?"),
    (
        "I'm giving the best man's speech at Tom's wedding.",
        "What am I saying at my friend's ceremony?",
    ),
    ("I want to learn to swim properly this year.", "Which water skill is one of my goals?"),
    ("We're moving to Bristol in the autumn.", "Where are we relocating?"),
    ("I have jury service in two weeks.", "What civic duty do I have coming up?"),
    ("I signed up for a pottery course starting in January.", "Which craft class did I enrol in?"),
    ("My library books are due back on Friday.", "When do I need to return what I borrowed?"),
    ("I'm taking my mum to Vienna for her seventieth birthday.", "Where am I treating my mother?"),
    # Personal history.
    ("I grew up on a sheep farm in Wales.", "Where did I spend my childhood?"),
    ("I was born in Nairobi.", "What is my birthplace?"),
    (
        "I lived in Tokyo for three years in my twenties.",
        "Which Asian capital did I live in when I was young?",
    ),
    (
        "I once met David Attenborough at a book signing.",
        "Which famous naturalist have I encountered?",
    ),
    ("I was in a car accident in 2011 but wasn't hurt.", "Have I ever been in a road collision?"),
    ("I learned to sail on Lake Windermere.", "Where did I pick up boating?"),
    ("My first job was stacking shelves at a supermarket.", "What was my earliest paid work?"),
    ("I played the violin until I was fifteen.", "Which instrument did I give up as a teenager?"),
    ("I was a Scout leader for six years.", "What youth group did I run?"),
    ("My first car was a red Fiat Panda.", "What vehicle did I own first?"),
    # Misc daily life.
    ("I meditate for ten minutes before bed.", "What do I do to wind down at night?"),
    ("I keep a gratitude journal.", "What do I write in every evening?"),
    ("I'm trying to read fifty books this year.", "What's my reading goal?"),
    ("I get my hair cut every six weeks.", "How often do I visit the barber?"),
    (
        "I lost my wedding ring at the beach last summer.",
        "What jewellery did I misplace by the sea?",
    ),
    ("My umbrella is always in the car boot.", "Where do I keep something for when it rains?"),
    ("I wake up at 6:30 on weekdays.", "What time does my alarm go off for work?"),
    ("I do the crossword every Sunday.", "Which word puzzle is my weekend habit?"),
    ("I stopped drinking alcohol in January.", "Have I given up booze?"),
    ("I donate blood every four months.", "How often do I give to the transfusion service?"),
    (
        "My favourite pen is a fountain pen my grandfather gave me.",
        "Which writing tool do I treasure?",
    ),
    (
        "I always forget where I parked at the supermarket.",
        "What do I lose track of when shopping?",
    ),
    (
        "I'm learning sign language to talk with my deaf colleague.",
        "Why am I studying a visual language?",
    ),
    ("I cycle to work when it's not raining.", "How do I commute in good weather?"),
    ("I have a tattoo of a compass on my forearm.", "What body art do I have?"),
    ("I sleep with a fan on even in winter.", "What noise helps me fall asleep?"),
    ("I keep succulents on my desk at work.", "Which plants are in my office?"),
    ("My phone screen has been cracked since March.", "What is damaged on my mobile?"),
    (
        "I volunteer as a reading helper at a primary school.",
        "Where do I help children with books?",
    ),
    (
        "I fostered kittens for a charity during the pandemic.",
        "Which animals did I look after temporarily?",
    ),
    ("I'm colour-blind between red and green.", "Which colours do I confuse?"),
    ("I ride horses at a stable near my aunt's house.", "Where do I go riding?"),
    ("I'm writing a fantasy novel in the evenings.", "What am I drafting after work?"),
    ("I hold a black belt in judo.", "Which martial art am I trained in?"),
    ("My favourite board game café is on Quay Street.", "Where do I go to play games over coffee?"),
    ("I learned to juggle during lockdown.", "What circus skill did I pick up at home?"),
    ("We have an allotment where we grow potatoes.", "Where do we grow root vegetables?"),
    ("I write letters to a pen pal in Chile.", "Who do I correspond with in South America?"),
    ("I'm saving up for a telescope.", "What stargazing equipment do I want?"),
    ("I keep bees at my parents' farm.", "Where are my hives?"),
    ("I swim in the sea all year round.", "Do I go in the ocean in winter?"),
    ("I'm afraid of spiders.", "Which creature scares me?"),
    ("I wear a size 44 shoe.", "How big are my feet?"),
    ("My blood type is O negative.", "Which blood group am I?"),
    (
        "I take the stairs instead of the lift at work.",
        "How do I get up to my floor in the office?",
    ),
    ("I've started learning the piano with an app.", "Which keyboard instrument am I picking up?"),
    ("I organise a litter pick on the beach every spring.", "What clean-up do I run by the sea?"),
    ("I knit while watching television.", "What do I do with my hands in front of the TV?"),
    ("I make my own candles from soy wax.", "What do I craft to light the house?"),
    ("My favourite author is Ursula K. Le Guin.", "Whose novels do I like most?"),
    (
        "I play tennis with my brother on Sunday mornings.",
        "When do I have a racket game with my sibling?",
    ),
    ("I hate the sound of people chewing.", "Which noise drives me mad?"),
    ("I'm trying to learn to touch-type.", "Which keyboard skill am I practising?"),
    (
        "I lost my grandfather's watch on a train.",
        "Which heirloom went missing on public transport?",
    ),
    ("My wedding anniversary is on the 22nd of July.", "When did we get married?"),
    ("I have a standing desk at home.", "How do I work at my home office?"),
    ("I get seasick on ferries.", "What happens to me on boats?"),
    ("I started a vegetable box subscription.", "How do I get fresh produce delivered?"),
    (
        "I rewatch The Lord of the Rings every December.",
        "Which film trilogy is my winter tradition?",
    ),
    ("I've run a marathon in under four hours.", "What's my best long-distance race time?"),
    ("I repair my own shoes with a kit.", "How do I fix my footwear?"),
    (
        "My favourite museum is the Natural History Museum in London.",
        "Which exhibition hall do I love?",
    ),
    ("I have a fear of deep water.", "What frightens me about swimming?"),
]
